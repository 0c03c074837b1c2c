"""``python -m sensor.standin``: run the BlueZ stand-in (see :mod:`sensor.standin.server`)."""

from sensor.standin.server import main

main()
