"""Errors about user input: files, rows and config keys."""


class InputError(Exception):
    """Bad input that the user must fix; its message is one line naming where."""


class ConfigError(InputError):
    """A config value that is missing or of the wrong kind; names the key."""
