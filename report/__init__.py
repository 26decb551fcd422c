"""The self-contained HTML report (``touchpath report``, the demo's ``report.html``).

A surface over :mod:`touchpath.service`: :func:`collect` runs the workflows,
:func:`render` fills the Jinja2 templates of ``report/templates/`` with their
documents and the charts of :mod:`touchpath.report.charts`.
"""

from touchpath.report.collect import ReportOptions, collect
from touchpath.report.html import render, write_report

__all__ = ["ReportOptions", "collect", "render", "write_report"]
