"""Operator tools: the ``jwtguard`` command (:mod:`~jwtguard.tools.cli`), ``explain``,
``decode``, and development keys and tokens (``keygen``, ``mint``). For the operator's eyes, never
on the request path: the request path never imports them."""
