/** docker-py's stream calls (attach_socket, exec_run with demux, tty runs, log streams) against berthd. */
import { describePythonSession } from './python-session.js';

describePythonSession(
  'docker-py streams',
  'attach_socket, exec_run(demux=True), run(tty=True), logs(stream=True)',
  'docker_py_streams.py',
  'docker-py streams ok',
);
