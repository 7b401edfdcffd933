"""Assistant: question + conversation → answer made of cited, verbatim extracts from the report."""

from assistant.config import AssistantConfig
from assistant.core import Assistant
from assistant.records import Answer, Comparison, Conversation, Extract, Filters, GlanceLine, Reading, Turn

__all__ = ["Answer", "Assistant", "AssistantConfig", "Comparison", "Conversation", "Extract", "Filters", "GlanceLine",
           "Reading", "Turn"]
