/** docker-py's network calls (networks.create/list/get/prune, run with ports and network, connect/disconnect) against berthd. */
import { describePythonSession } from './python-session.js';

describePythonSession('docker-py networks', 'networks, published ports, DNS, connect and disconnect', 'docker_py_networks.py', 'docker-py networks ok');
