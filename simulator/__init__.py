"""The line in a browser, for the people who write, translate and teach its content."""
