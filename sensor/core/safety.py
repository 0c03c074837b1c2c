"""The safety wording shown everywhere (CLI help, dashboard, reports, history).

A module of its own, with no imports, so ``glide --help`` can show it without loading numpy.
"""

SAFETY_NOTE = (
    "glide coaches the exercise; it does not diagnose. Stop and see a physical therapist if "
    "pain, numbness or tingling gets worse."
)
