# sourced by the measurement scripts: unpack once, set the environment
set -u
S=/tmp/stage
if [ ! -x /tmp/b/jre/bin/java ]; then
  chmod +x $S/zstd; mkdir -p /tmp/b
  cat $S/part-* | $S/zstd -dq | tar x -C /tmp/b
fi
if [ ! -f /tmp/app/ember-load-profiles.jar ] || [ $S/app.tar.zst -nt /tmp/app/ember-load-profiles.jar ]; then
  rm -rf /tmp/app; mkdir -p /tmp/app; $S/zstd -dq < $S/app.tar.zst | tar x -C /tmp/app
fi
CURAND=$(dirname "$(find /usr /opt /lib -name 'libcurand.so.10*' 2>/dev/null | head -1)")
export LD_LIBRARY_PATH=/tmp/b/cuda12:/tmp/b/ort:$CURAND:${LD_LIBRARY_PATH:-}
CP="/tmp/b/ort/onnxruntime-classes.jar:/tmp/app/ember-load-profiles.jar:/tmp/app/lib/*"
bench() { /tmp/b/jre/bin/java -Djava.awt.headless=true -Donnxruntime.native.path=/tmp/b/ort "$@"; }
