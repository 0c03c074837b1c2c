"""Sound for eyes-free coaching: thin shells around :mod:`sensor.core.sound_cues`.

``synth`` makes tones with numpy, ``speech`` asks the platform's speech engine for a phrase,
``render`` lays a whole cue plan on a timeline (``glide analyze --audio-out``), ``backends``
play a clip (sounddevice, the OS player, or the terminal bell), and ``player`` runs all of it on
a background thread so sound never delays the pipeline or the screen.
"""
