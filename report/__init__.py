"""The self-contained HTML report (``touchpath report``, the demo's ``report.html``)."""

from touchpath.report.collect import ReportOptions, collect, default_budget
from touchpath.report.html import render, write_report

__all__ = ["ReportOptions", "collect", "default_budget", "render", "write_report"]
