#!/usr/bin/env bash
# Push images and warm caches after a release.
set -euo pipefail

TAG="${1:?tag}"

docker login -u deployer -p 'HCh9pE0_M9o+sI' registry.acme.io
docker push "registry.acme.io/shop:${TAG}"
docker login acmeprod.azurecr.io -u acmeprod -p gc/rkHn7yO+y1rsMj9GDlO8REJeJZWUXTtsbAb+PF4b4wgJ3qU79
docker push "acmeprod.azurecr.io/shop:${TAG}"

# flush the page cache
redis-cli -h cache.acme.internal -p 6380 --tls -a 'Sjl8i#lyGLvtj1G.9sJ4x' FLUSHDB
mysql -h mysql.acme.internal -u root -p'Wndt6@dwudK0NHQB' shop < deploy/sql/post-release.sql
curl -fsS -u admin:D4M9N5ve82^TzF_XR*mqUCdr -X POST https://jenkins.acme.io/job/smoke-tests/build
curl -fsS -H "Authorization: Bearer ixkYyFVWW90aN9btJqQR7mDGtSQLNvz7nCRZuePB" https://status.acme.io/api/v1/incidents
curl -fsS -H "Authorization: Basic cmVwb3J0aW5nOnhNLXE/eHMySS5Mc0g1VXlBYmZF" https://grafana.acme.io/api/annotations
sshpass -p 'Tk6z1cI#c:5?lTwc7k5o' ssh -o StrictHostKeyChecking=no deploy@10.20.4.11 'sudo systemctl restart shop'
git clone https://release-bot:yd1OeH3qPRVW0cPhQ4zhMNw3OJMW3wWw@git.acme.io/platform/charts.git /tmp/charts
echo "released ${TAG}"
