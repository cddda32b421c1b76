def pytest_configure(config):
    config.addinivalue_line("markers", "slow: a long test that runs only when asked for")
