"""Compiles Edgewise's Core ML .proto files with protoc into Python modules (python3-protobuf), so
tests can decode and build Core ML models independently of the TypeScript codec."""
import glob
import os
import subprocess
import sys
import tempfile

PROTO_DIR = os.path.join(os.path.dirname(__file__), '..', '..', 'src', 'core', 'formats', 'coreml', 'proto')


def load():
    out = tempfile.mkdtemp(prefix='coreml-pb-')
    protos = sorted(glob.glob(os.path.join(PROTO_DIR, '*.proto')))
    subprocess.run(['protoc', f'--python_out={out}', f'-I{PROTO_DIR}', *protos], check=True)
    sys.path.insert(0, out)
    import model_pb2  # noqa: E402
    return model_pb2
