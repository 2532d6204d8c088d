"""`streamcnn scan SPEC.yml`: a design-space scan on Dask distributed.

A scan is a grid of points (model x config options); each point runs the steps asked for
(convert, golden, csim, rtlsim, synth) as Dask tasks with their dependencies, on a
LocalCluster or on an existing scheduler. Jobs carry their inputs (the model's bytes, the
build as an archive) and return their figures, so workers need the same install and no
shared file system. Results are cached per point and step, so an interrupted scan resumes."""
from .spec import STEPS, Spec, load_spec
from .run import scan

__all__ = ["STEPS", "Spec", "load_spec", "scan"]
