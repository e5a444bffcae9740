/** docker-py (Debian's python3-docker) runs its most common calls against berthd. */
import { describePythonSession } from './python-session.js';

describePythonSession('docker-py', 'containers, logs, filters, images and errors', 'docker_py_session.py', 'docker-py session ok');
