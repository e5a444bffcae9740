-- Whether the client gave the network's subnet (IPAM.Config[].Subnet at
-- create). dockerd accepts a fixed address (--ip, IPAMConfig.IPv4Address)
-- only on a network whose subnet the user configured.
ALTER TABLE networks ADD COLUMN subnet_from_user INTEGER NOT NULL DEFAULT 0;

-- Networks made before this column did not record it. A user network is
-- taken as user-configured: then every container that starts today with a
-- fixed address still starts (the other choice would refuse containers on
-- networks made with --subnet). bridge, host and none are predefined, never
-- user-configured (the default bridge refuses --ip by its own rule).
UPDATE networks SET subnet_from_user = 1 WHERE driver = 'bridge' AND name <> 'bridge';
