"""gilscope's data files (the icon, the compiled translations): a package so a wheel carries them.

gui/app.py finds them next to this file, in a checkout, an installed wheel and the
frozen build alike.
"""
