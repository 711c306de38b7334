"""The composition root: settings, the Application, logging and the command line."""
