"""The Gradio app: one module per tab, its handlers (plain functions) beside it."""
