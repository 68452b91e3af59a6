pytest_plugins = ["tests.fixtures", "tests.chain_fixtures"]
