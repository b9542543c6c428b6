"""The stateless functions behind the modules, one file per family.

``glasstorch.nn.functional`` re-exports all of them.
"""
