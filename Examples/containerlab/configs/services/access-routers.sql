INSERT INTO access_routers (router_name, giaddr, bng_id, total_interfaces) VALUES ('an-01', '100.64.1.1', 'bng-01', 6) ON CONFLICT (router_name) DO NOTHING;
INSERT INTO access_routers (router_name, giaddr, bng_id, total_interfaces) VALUES ('an-02', '100.64.1.65', 'bng-01', 6) ON CONFLICT (router_name) DO NOTHING;
INSERT INTO access_routers (router_name, giaddr, bng_id, total_interfaces) VALUES ('an-03', '100.64.3.1', 'bng-02', 7) ON CONFLICT (router_name) DO NOTHING;
INSERT INTO access_routers (router_name, giaddr, bng_id, total_interfaces) VALUES ('an-04', '100.64.3.65', 'bng-02', 6) ON CONFLICT (router_name) DO NOTHING;
INSERT INTO access_routers (router_name, giaddr, bng_id, total_interfaces) VALUES ('an-05', '100.64.4.1', 'bng-02', 6) ON CONFLICT (router_name) DO NOTHING;
INSERT INTO access_routers (router_name, giaddr, bng_id, total_interfaces) VALUES ('an-06', '100.64.4.65', 'bng-02', 6) ON CONFLICT (router_name) DO NOTHING;
INSERT INTO access_routers (router_name, giaddr, bng_id, total_interfaces) VALUES ('an-07', '100.64.4.129', 'bng-02', 6) ON CONFLICT (router_name) DO NOTHING;
