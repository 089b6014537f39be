#!/bin/sh
# PostgreSQL (oss, kea, radius), Redis, Kea DHCPv4 + control agent, FreeRADIUS, aether-ingestor, aether-api.
set -eu
. /etc/aether/lib.sh
wait_for_interfaces eth1
ip addr add 198.18.0.1/24 dev eth1
ip route add 100.64.1.0/26 via 198.18.0.102
ip route add 100.64.1.64/26 via 198.18.0.102
ip route add 100.64.3.0/26 via 198.18.0.103
ip route add 100.64.3.64/26 via 198.18.0.103
ip route add 100.64.4.0/26 via 198.18.0.103
ip route add 100.64.4.64/26 via 198.18.0.103
ip route add 100.64.4.128/26 via 198.18.0.103
S=/etc/aether/secrets
C=/etc/aether/services
PG=/usr/lib/postgresql/15/bin
DATA=/var/lib/postgresql/aether
mkdir -p /run/postgresql /run/kea /var/run/freeradius && chown postgres:postgres /run/postgresql
if [ ! -s "$DATA/PG_VERSION" ]; then
  install -d -o postgres -g postgres "$DATA"
  su postgres -s /bin/sh -c "$PG/initdb -D $DATA --auth-local=peer --auth-host=scram-sha-256 >/dev/null"
  FRESH=1
fi
su postgres -s /bin/sh -c "$PG/pg_ctl -D $DATA -w -l $DATA/server.log -o '-c listen_addresses=127.0.0.1 -k /run/postgresql' start"
if [ "${FRESH:-0}" = 1 ]; then
  for db in oss kea radius; do
    su postgres -s /bin/sh -c "psql -q -c "CREATE ROLE $db LOGIN PASSWORD '$(cat $S/$db-db)'" -c "CREATE DATABASE $db OWNER $db""
  done
  printf 'local all postgres peer
local all all scram-sha-256
host all all 127.0.0.1/32 scram-sha-256
' > "$DATA/pg_hba.conf"
  su postgres -s /bin/sh -c "$PG/pg_ctl -D $DATA reload"
  PGPASSWORD=$(cat $S/kea-db) kea-admin db-init pgsql -h 127.0.0.1 -u kea -n kea
  PGPASSWORD=$(cat $S/radius-db) psql -q -h 127.0.0.1 -U radius radius -f /etc/freeradius/3.0/mods-config/sql/main/postgresql/schema.sql
fi
redis-server --daemonize yes --bind 127.0.0.1 198.18.0.1 --requirepass "$(cat $S/redis)" --appendonly yes --dir /var/lib/redis
sed "s/KEA_DB_PASSWORD/$(cat $S/kea-db)/" $C/kea-dhcp4.json > /run/kea/kea-dhcp4.json
KEA_PIDFILE_DIR=/run/kea KEA_LOCKFILE_DIR=/run/kea kea-dhcp4 -c /run/kea/kea-dhcp4.json &
KEA_PIDFILE_DIR=/run/kea KEA_LOCKFILE_DIR=/run/kea kea-ctrl-agent -c $C/kea-ctrl-agent.json &
# FreeRADIUS: Debian's configuration with the sql module on PostgreSQL, Class kept in radacct,
# replies signed (Message-Authenticator), vendor 43242, rejects without delay.
R=/etc/freeradius/3.0
sed -i -e 's/^\tdialect = .*/\tdialect = "postgresql"/' -e 's/^\tdriver = "rlm_sql_null"/\tdriver = "rlm_sql_${dialect}"/' \
  -e "s|^\tradius_db = .*|\tradius_db = \"host=/run/postgresql dbname=radius user=radius password=$(cat $S/radius-db)\"|" $R/mods-available/sql
sed -i -e 's/^\tcolumn_name =.*/\tcolumn_name = ", Class"/' -e "s/^\tpacket_xlat =.*/\tpacket_xlat = \", '%{Class}'\"/" \
  -e "s/^\treply_xlat =.*/\treply_xlat = \", '%{reply:Class}'\"/" $R/mods-config/sql/main/postgresql/queries.conf
sed -i 's/^\treject_delay = .*/\treject_delay = 0/' $R/radiusd.conf
grep -q 'Message-Authenticator := 0x00' $R/sites-available/default || sed -i \
  -e 's/^post-auth {$/post-auth {\n\tupdate reply {\n\t\tMessage-Authenticator := 0x00\n\t}/' \
  -e 's/^\tPost-Auth-Type REJECT {$/\tPost-Auth-Type REJECT {\n\t\tupdate reply {\n\t\t\tMessage-Authenticator := 0x00\n\t\t}/' \
  -e 's/^accounting {$/accounting {\n\tupdate reply {\n\t\tMessage-Authenticator := 0x00\n\t}/' $R/sites-available/default
cp $C/dictionary.aether $R/dictionary.aether
grep -q dictionary.aether $R/dictionary || echo '$INCLUDE dictionary.aether' >> $R/dictionary
sed "s/RADIUS_SECRET/$(cat $S/radius)/" $C/clients.conf > $R/clients.conf
ln -sf ../mods-available/sql $R/mods-enabled/sql
freeradius
aether-ingestor migrate --config $C/oss.yaml
aether-ingestor seed --config $C/oss.yaml
PGPASSWORD=$(cat $S/oss-db) psql -q -h 127.0.0.1 -U oss oss -f $C/access-routers.sql
aether-ingestor run --config $C/oss.yaml &
exec aether-api run --config $C/oss.yaml
