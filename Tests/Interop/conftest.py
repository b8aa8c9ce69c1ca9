"""The interop test's traffic is checked against Protocol/webprofiles.cddl (wp_schema.py)."""
import wp_schema

wp_schema.install()
