"""``pinlint proxy``: a PostgreSQL wire-protocol proxy that judges the SQL an application really sends.

It passes traffic through unchanged and judges what clients send (startup packet, simple and extended
query protocol) with the classifier and rules of ``pinlint check``. Modules:

- :mod:`pinlint.proxy.wire`: message framing and decoding (no I/O)
- :mod:`pinlint.proxy.session`: one client session's state (transaction blocks, named statements)
- :mod:`pinlint.proxy.judge`: pinlint's classifier and rules applied to what was seen (the only module
  that imports pinlint internals)
- :mod:`pinlint.proxy.report`: findings aggregated over sessions, the JSON report and the summary
- :mod:`pinlint.proxy.server`: the asyncio server
- :mod:`pinlint.proxy.command`: the click command
- :mod:`pinlint.proxy.launcher`: run the proxy as a subprocess (pytest plugin, tests)
- :mod:`pinlint.proxy.pytest_plugin`: ``pytest --pinlint-proxy``
"""
