"""The error of a wrong command line, which every command of `antialias-np` raises and antialias_np.cli turns into
one line on stderr and exit status 2. It stands apart from both so that the commands (antialias_np.downsample_command)
and the command line that runs them import it without importing each other."""


class UsageError(Exception):
    """The command line is wrong: exit status 2."""
