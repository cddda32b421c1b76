"""Graph serialisation for the viewer and exporters (JSON-safe dicts, GraphDef text)."""

from tfedu.framework.graph_def import GraphDef, NodeDef, graph_def, graph_to_dict, json_safe

__all__ = ["graph_to_dict", "graph_def", "GraphDef", "NodeDef", "json_safe"]
