"""Turning the report notebook into published reports, safely and incrementally.

================  =============================================================================
``pipeline``      ``collab reports``: validate, decide what is out of date, build, index
``validation``    validating every cohort first, recording what each one read
``workers``       building the planned reports on threads, stopping at once on an interrupt
``render``        one cohort: run the notebook, check what it read, render both pages
``kernels``       kernels over Unix sockets, tracked and cleaned up
``forkserver``    kernels forked from one process that has imported what they use
``zygote``        that process
``importing``     imports with the garbage collector paused (fork server, early kernel)
``state``         build records, the whole-run state, leftovers of killed runs
``lock``          one build writes to an output folder at a time
``fileio``        atomic writes, and commits of several files all or nothing
``provenance``    which inputs, code and packages produced a report
``htmlexport``    the notebook as self-contained HTML (reviewer and analyst renderings)
``export``        the tidy tables as CSV and a Frictionless Data Package
``data_listing``  the page that lists a cohort's tables and their columns
``pages``         the template folder and stylesheet every page shares
``index_page``    ``reports/index.html``
``progress``      the live progress display
``interrupts``    SIGTERM handled like Ctrl-C
================  =============================================================================
"""

__all__ = [
    "data_listing",
    "export",
    "fileio",
    "forkserver",
    "htmlexport",
    "importing",
    "index_page",
    "interrupts",
    "kernels",
    "lock",
    "pages",
    "pipeline",
    "progress",
    "provenance",
    "render",
    "state",
    "validation",
    "workers",
    "zygote",
]
