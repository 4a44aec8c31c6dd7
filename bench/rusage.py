# Runs a command, prints its wall time, CPU time (user + system, all threads)
# and peak RSS (KiB) as JSON on stderr's last line. Same measurement for
# every contender in the benchmark.
import json, resource, subprocess, sys, time
t = time.monotonic()
p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
wall = time.monotonic() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stdout.write(p.stdout.decode(errors="replace"))
sys.stderr.write(p.stderr.decode(errors="replace")[-2000:])
sys.stderr.write("\n" + json.dumps({"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "maxRssKiB": ru.ru_maxrss, "exit": p.returncode}) + "\n")
