"""JupyterLab on Binder opens the curriculum's first lesson (copied to ~/.jupyter by postBuild)."""

c = get_config()  # noqa: F821 - provided by Jupyter when it loads this file
# JupyterLab's own default ("/lab") wins over the server's, so both are set.
c.ServerApp.default_url = "/lab/tree/notebooks/00_welcome.ipynb"
c.LabApp.default_url = "/lab/tree/notebooks/00_welcome.ipynb"
