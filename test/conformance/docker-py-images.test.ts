/** docker-py (Debian's python3-docker): put_archive/get_archive, export, commit, image save and load against berthd. */
import { describePythonSession } from './python-session.js';

describePythonSession('docker-py images and archives', 'put_archive, get_archive, export, commit, save and load', 'docker_py_images.py', 'docker-py images ok');
