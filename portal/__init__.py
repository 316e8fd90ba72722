"""The focal-point portal: a Django application over the pipeline's own functions (intake,
validation, reports, registry, review). It writes no validation or registry logic of its own;
it adds accounts, per-country authorisation, pages and an audit log."""
