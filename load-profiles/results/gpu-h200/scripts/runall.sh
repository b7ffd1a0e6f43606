bash /tmp/stage/run1.sh
POOL_TIMEOUT=300 bash /tmp/stage/run2.sh
