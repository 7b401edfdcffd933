"""The chat UI's parts: `render` (answers → safe HTML), `chat` (per-user session state and the handlers' logic),
`feedback` (votes → JSON lines) and `app` (the Gradio layout). `ui.py` is the command-line shell around them.

Only `app` imports Gradio, so the rest can be tested (and `ui.py --help` run) without it.
"""
