"""Graph execution: execution plans, the v1 `Session`, graph variables, serialisation."""
