"""Errors a user can read: each message says what is wrong and what to do about it."""


class CompstatError(Exception):
    """Base for errors whose message is meant for the user, not a traceback."""


class WorkspaceError(CompstatError):
    """The workspace file cannot be opened or used (damaged, not ours, newer schema)."""


class WorkspaceBusy(WorkspaceError):
    """Another process kept the workspace's write lock for longer than a write will wait; nothing was changed."""


class ImportRefused(CompstatError):
    """A file cannot be imported at all; nothing was written."""


class ImportCancelled(CompstatError):
    """The user cancelled an import; the workspace is as it was before."""


class ChangedMeanwhile(CompstatError):
    """Someone else changed the thing (an action, a target, a meeting) after this user was shown it: their change
    stands, this one was not saved. The message names who changed it and when and shows both; `theirs` and `yours`
    hold the two, in words, for a view to show side by side."""

    def __init__(self, message: str, *, who: str, when: str, theirs: str, yours: str):
        super().__init__(message)
        self.who, self.when, self.theirs, self.yours = who, when, theirs, yours
