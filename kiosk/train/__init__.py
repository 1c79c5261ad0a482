"""Training of the kiosk's learned models (PyTorch, optional `train` extra).

Data come from the simulator only (`kiosk.train.data`), generated deterministically from
seeds and cached under var/datasets/; each trainer exports ONNX with its input contract in
the metadata and writes a model card beside it. Nothing here is imported at run time.
"""
