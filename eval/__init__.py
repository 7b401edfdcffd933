"""Evaluation: gold questions, metrics, baselines and the report."""
