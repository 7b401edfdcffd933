"""Evaluation: gold questions, metrics, baselines and the report (`python -m eval`).

    gold.py      the hand-built questions and their loader/checker
    matching.py  when an extract "finds" a gold passage (runs of shared words, robust to chunking)
    records.py   Shown / SystemOutput (what a system returns) and QuestionResult (what is scored)
    systems.py   the assistant and the chunk-search baselines behind one `run(question, history)`
    fixed.py     the generic fixed-size-chunk baselines (dense, hybrid)
    scoring.py   one output against one gold item; metrics.py averages the results
    run.py       every system over the gold set; report.py and chart.py write it out
    feedback.py  UI feedback → candidate gold items
"""
