"""dl_helpers -- the lecture's mathematics from scratch in NumPy, next to its torch twin.

Public API (one module per lecture topic; import from the module)::

    activations   σ and σ' by name: ACTIVATIONS, get_activation, softmax        (Skript §1, §4)
    checks        exercise checkers with German feedback (checks.<topic>)
"""
__version__ = "0.1.0"
