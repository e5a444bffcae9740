/** docker-py (Debian's python3-docker): volumes.create/list/get/remove/prune and containers.run(volumes=…) against berthd. */
import { describePythonSession } from './python-session.js';

describePythonSession('docker-py volumes', 'volumes API and containers.run(volumes=…)', 'docker_py_volumes.py', 'docker-py volumes ok');
