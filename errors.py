"""The project's own exceptions. Library code raises these; only the CLIs and the UI turn them into messages."""


class AssistantError(Exception):
    """Base class: every error this project raises on purpose."""


class SourceError(AssistantError):
    """The source document is missing, unreadable or not UTF-8."""


class ModelError(AssistantError):
    """The embedding model is missing, or its weights do not match the expected hash."""


class IndexFault(AssistantError):
    """An index on disk is missing, damaged, stale or cannot be written."""


class IndexStale(IndexFault):
    """The index does not match its source, model or chunker; `reasons` says what differs."""

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__("index is stale or damaged: " + "; ".join(reasons))


class ValidationError(AssistantError):
    """A question, history or filter that the assistant cannot accept."""


class ConfigError(AssistantError, ValueError):
    """A setting (flag or environment variable) that has no meaning, e.g. DI_EMBEDDER=gpu."""
