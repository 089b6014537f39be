import EventSourcing

/// The `oss` database's own tables, as versioned migrations under component `oss` (the event
/// log, `session_events`, belongs to EventSourcing's `PostgresEventStore`).
///
/// Read models (`sessions_active`, `sessions_history`, `bng_registry`, `bng_health_events`,
/// `traffic_minutes`, `traffic_seconds`, the liveness columns of `access_routers`) are written only by
/// ``OSSProjection`` and can be rebuilt from `session_events`; provisioning tables (`plans`,
/// `customers`, `services`, the inventory columns of `access_routers`) are written by the API.
public enum OSSSchema {
    /// The component name in the migrations table.
    public static let component = "oss"

    /// Every migration, oldest first.
    public static let migrations: [PostgresMigration] = [
        PostgresMigration(version: 1, name: "provisioning_and_read_models", sql: """
            CREATE TABLE IF NOT EXISTS plans (
                plan_id             bigserial   PRIMARY KEY,
                name                text        NOT NULL UNIQUE CHECK (name <> ''),
                download_kbps       bigint      NOT NULL CHECK (download_kbps > 0),
                upload_kbps         bigint      NOT NULL CHECK (upload_kbps > 0),
                download_burst_kbit bigint      CHECK (download_burst_kbit > 0),
                upload_burst_kbit   bigint      CHECK (upload_burst_kbit > 0),
                price_cents         bigint      NOT NULL DEFAULT 0 CHECK (price_cents >= 0),
                active              boolean     NOT NULL DEFAULT true,
                created_at          timestamptz NOT NULL DEFAULT now(),
                updated_at          timestamptz NOT NULL DEFAULT now()
            );
            CREATE TABLE IF NOT EXISTS customers (
                customer_id bigserial   PRIMARY KEY,
                name        text        NOT NULL CHECK (name <> ''),
                email       text        UNIQUE,
                phone       text,
                street      text,
                city        text,
                zip_code    text,
                state       text,
                created_at  timestamptz NOT NULL DEFAULT now(),
                updated_at  timestamptz NOT NULL DEFAULT now()
            );
            CREATE TABLE IF NOT EXISTS access_routers (
                router_name        text        PRIMARY KEY,
                giaddr             inet,
                bng_id             text,
                total_interfaces   integer     NOT NULL DEFAULT 0 CHECK (total_interfaces >= 0),
                is_alive           boolean     NOT NULL DEFAULT false,
                last_seen          timestamptz,
                last_event_at      timestamptz,
                created_at         timestamptz NOT NULL DEFAULT now(),
                updated_at         timestamptz NOT NULL DEFAULT now()
            );
            CREATE TABLE IF NOT EXISTS services (
                service_id  bigserial   PRIMARY KEY,
                customer_id bigint      NOT NULL REFERENCES customers ON DELETE RESTRICT,
                plan_id     bigint      NOT NULL REFERENCES plans ON DELETE RESTRICT,
                bng_id      text        NOT NULL,
                remote_id   text        NOT NULL,
                circuit_id  text        NOT NULL,
                status      text        NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'SUSPENDED', 'TERMINATED')),
                created_at  timestamptz NOT NULL DEFAULT now(),
                updated_at  timestamptz NOT NULL DEFAULT now()
            );
            -- One live service per line; terminated ones stay as history.
            CREATE UNIQUE INDEX IF NOT EXISTS services_line ON services (bng_id, remote_id, circuit_id) WHERE status <> 'TERMINATED';
            CREATE INDEX IF NOT EXISTS services_customer ON services (customer_id);
            CREATE INDEX IF NOT EXISTS services_plan ON services (plan_id);

            CREATE TABLE IF NOT EXISTS bng_registry (
                bng_id             text        PRIMARY KEY,
                bng_instance_id    uuid        NOT NULL,
                first_seen         timestamptz NOT NULL,
                last_seen          timestamptz NOT NULL,
                cpu_percent        double precision,
                memory_used_bytes  bigint,
                memory_limit_bytes bigint
            );
            CREATE TABLE IF NOT EXISTS bng_health_events (
                bng_id             text             NOT NULL,
                bng_instance_id    uuid             NOT NULL,
                seq                bigint           NOT NULL,
                ts                 timestamptz      NOT NULL,
                cpu_percent        double precision NOT NULL,
                memory_used_bytes  bigint           NOT NULL,
                memory_limit_bytes bigint,
                PRIMARY KEY (bng_id, bng_instance_id, seq)
            );
            CREATE INDEX IF NOT EXISTS bng_health_events_ts ON bng_health_events (bng_id, ts);

            CREATE TABLE IF NOT EXISTS sessions_active (
                session_id          uuid        PRIMARY KEY,
                bng_id              text        NOT NULL,
                bng_instance_id     uuid        NOT NULL,
                nas_ip              inet        NOT NULL,
                remote_id           text        NOT NULL,
                circuit_id          text        NOT NULL,
                mac_address         macaddr     NOT NULL,
                ip_address          inet,
                username            text,
                auth_state          text        NOT NULL,
                status              text        NOT NULL,
                started_at          timestamptz NOT NULL,
                updated_at          timestamptz NOT NULL,
                bytes_up            bigint      NOT NULL DEFAULT 0,
                bytes_down          bigint      NOT NULL DEFAULT 0,
                packets_up          bigint      NOT NULL DEFAULT 0,
                packets_down        bigint      NOT NULL DEFAULT 0,
                download_kbps       bigint,
                upload_kbps         bigint,
                download_burst_kbit bigint,
                upload_burst_kbit   bigint,
                last_seq            bigint      NOT NULL
            );
            CREATE INDEX IF NOT EXISTS sessions_active_bng ON sessions_active (bng_id);
            CREATE INDEX IF NOT EXISTS sessions_active_line ON sessions_active (remote_id, circuit_id);
            CREATE INDEX IF NOT EXISTS sessions_active_ip ON sessions_active (ip_address);
            CREATE INDEX IF NOT EXISTS sessions_active_username ON sessions_active (username);
            CREATE INDEX IF NOT EXISTS sessions_active_started ON sessions_active (started_at DESC, session_id);

            CREATE TABLE IF NOT EXISTS sessions_history (
                session_id          uuid        PRIMARY KEY,
                bng_id              text        NOT NULL,
                bng_instance_id     uuid        NOT NULL,
                nas_ip              inet        NOT NULL,
                remote_id           text        NOT NULL,
                circuit_id          text        NOT NULL,
                mac_address         macaddr     NOT NULL,
                ip_address          inet,
                username            text,
                auth_state          text        NOT NULL,
                started_at          timestamptz NOT NULL,
                ended_at            timestamptz NOT NULL,
                terminate_cause     text        NOT NULL,
                bytes_up            bigint      NOT NULL,
                bytes_down          bigint      NOT NULL,
                packets_up          bigint      NOT NULL,
                packets_down        bigint      NOT NULL,
                download_kbps       bigint,
                upload_kbps         bigint,
                last_seq            bigint      NOT NULL,
                period              tstzrange   GENERATED ALWAYS AS (tstzrange(started_at, greatest(started_at, ended_at), '[]')) STORED
            );
            CREATE INDEX IF NOT EXISTS sessions_history_period ON sessions_history USING gist (period);
            CREATE INDEX IF NOT EXISTS sessions_history_line ON sessions_history (remote_id, circuit_id);
            CREATE INDEX IF NOT EXISTS sessions_history_ended ON sessions_history (ended_at DESC, session_id);

            -- Bytes moved per BNG and minute, maintained at ingest from counter deltas.
            CREATE TABLE IF NOT EXISTS traffic_minutes (
                bng_id     text        NOT NULL,
                minute     timestamptz NOT NULL,
                bytes_up   bigint      NOT NULL DEFAULT 0,
                bytes_down bigint      NOT NULL DEFAULT 0,
                PRIMARY KEY (bng_id, minute)
            );
            """),
        PostgresMigration(version: 2, name: "traffic_seconds_and_retention", sql: """
            -- Bytes moved per BNG and second: the 5-minute rolling average sums 300 of these.
            CREATE TABLE IF NOT EXISTS traffic_seconds (
                bng_id     text        NOT NULL,
                second     timestamptz NOT NULL,
                bytes_up   bigint      NOT NULL DEFAULT 0,
                bytes_down bigint      NOT NULL DEFAULT 0,
                PRIMARY KEY (bng_id, second)
            );
            CREATE INDEX IF NOT EXISTS bng_health_events_time ON bng_health_events (ts);
            -- Counters change on every update while no indexed column does: room on each page
            -- lets PostgreSQL update in place (HOT) without touching the six indexes.
            ALTER TABLE sessions_active SET (fillfactor = 70);
            -- How far each time series has been pruned: the projection writes nothing older, so a
            -- replay of the pruned log rebuilds the same rows.
            CREATE TABLE IF NOT EXISTS oss_retention (
                series  text        PRIMARY KEY CHECK (series IN ('traffic_seconds', 'traffic_minutes', 'bng_health_events')),
                horizon timestamptz NOT NULL DEFAULT '-infinity'
            );
            INSERT INTO oss_retention (series) VALUES ('traffic_seconds'), ('traffic_minutes'), ('bng_health_events') ON CONFLICT DO NOTHING;
            """),
        PostgresMigration(version: 3, name: "api_page_orders", sql: """
            -- The API pages live sessions newest first with the id as tie-break in the same
            -- direction: an index in exactly that order serves LIMIT/OFFSET without a sort.
            DROP INDEX IF EXISTS sessions_active_started;
            CREATE INDEX IF NOT EXISTS sessions_active_started_page ON sessions_active (started_at DESC, session_id DESC);
            CREATE INDEX IF NOT EXISTS sessions_history_ended_page ON sessions_history (ended_at DESC, session_id DESC);
            DROP INDEX IF EXISTS sessions_history_ended;
            """),
    ]

    /// Applies what is missing of ``migrations``; safe to call from several processes at once.
    @discardableResult
    public static func migrate(_ connection: PostgresConnection) throws -> [PostgresMigration] {
        try PostgresMigrator(component: component, migrations: migrations).migrate(connection)
    }
}
