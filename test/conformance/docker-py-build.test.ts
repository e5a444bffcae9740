/** docker-py (Debian's python3-docker): images.build through berthd's classic builder. */
import { describePythonSession } from './python-session.js';

describePythonSession(
  'docker-py build',
  'images.build: fileobj, context dir, buildargs, labels, target, cache, BuildError',
  'docker_py_build.py',
  'docker-py build ok',
);
