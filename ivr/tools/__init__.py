"""The commands for the people who run and edit the line (flask menus, audio,
translations, call, text; python -m ivr.tools.check): above everything else."""
