"""Loads the classes a Spark Connect client's JVM uses, so that ``-XX:ArchiveClassesAtExit`` archives them.

    spark-submit --remote sc://127.0.0.1:1 \
        --conf spark.driver.extraJavaOptions=-XX:ArchiveClassesAtExit=build/jvm/connect-client.jsa \
        spark_jobs/jvm/connect_client_classes.py

Run by scripts/build_jvm.sh. A job submitted with ``--remote`` uses spark-submit's JVM for one thing, the lake's
file operations (spark_jobs.utils.lake.LakeFS over py4j); this does the same operations on a temporary folder,
with no Spark Connect server: spark-submit's own start (SparkSubmit, the Python runner, the py4j gateway) loads
the rest.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from pyspark.java_gateway import launch_gateway


def main() -> None:
    jvm = launch_gateway().jvm  # spark-submit's JVM: the gateway it started for this application
    conf = jvm.org.apache.hadoop.conf.Configuration()
    with tempfile.TemporaryDirectory() as folder:
        root = jvm.org.apache.hadoop.fs.Path(Path(folder).as_uri())
        fs = root.getFileSystem(conf)
        staged = jvm.org.apache.hadoop.fs.Path(root, "staged/part.json")
        stream = fs.create(staged, True)
        stream.write(bytearray(b'{"written": true}'))
        stream.close()
        published = jvm.org.apache.hadoop.fs.Path(root, "published")
        fs.mkdirs(published)
        fs.rename(jvm.org.apache.hadoop.fs.Path(root, "staged"), jvm.org.apache.hadoop.fs.Path(published, "staged"))
        for status in fs.globStatus(jvm.org.apache.hadoop.fs.Path(root, "*/*")):
            fs.listStatus(status.getPath())
        reader = fs.open(jvm.org.apache.hadoop.fs.Path(published, "staged/part.json"))
        jvm.org.apache.hadoop.io.IOUtils.copyBytes(reader, jvm.java.io.ByteArrayOutputStream(), 65536, True)
        fs.exists(root)
        fs.delete(published, True)


if __name__ == "__main__":
    main()
