"""Seeded generator of realistic demo data in the real input formats (DESIGN.md, "The input folder")."""

from relationship_pipeline.demo.generator import PROFILES, DemoSummary, generate_demo

__all__ = ["PROFILES", "DemoSummary", "generate_demo"]
