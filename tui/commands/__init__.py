"""The command groups of ``glide``: each module registers its subcommands with ``register(sub)``."""
