"""The ``glide`` application shell (command line, TUI, exports) around the sans-IO ``sensor`` core.

One process setting belongs to the application, so it is made here, before anything imports
numpy: OpenBLAS runs on one thread unless the user chose otherwise (``OPENBLAS_NUM_THREADS``).
The pipeline's BLAS calls are on matrices a few columns wide (``lstsq`` over a 6-column window
fit, ``(n, 3) @ (3,)`` projections in the mounting estimate), where a second thread splits no
real work: OpenBLAS wakes it, and it then spins waiting for more, which on the 2-core machine of
the round-6 measurements was 20-40 % of the process's CPU time on the rep and walking content
(``glide bench`` counts process CPU time). Batch analysis runs one process per core, so BLAS
threads on top would only oversubscribe the cores. The results are the same bits either way
(``sensor/sim/bench_digest.py`` digests and ``glide evaluate --json`` compared).
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
