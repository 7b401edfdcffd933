"""Assistant: question + conversation → answer made of cited, verbatim extracts from the report."""

from assistant.core import Assistant, AssistantConfig
from assistant.records import Answer, Conversation, Extract, Filters, Turn

__all__ = ["Answer", "Assistant", "AssistantConfig", "Conversation", "Extract", "Filters", "Turn"]
