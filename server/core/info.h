/* INFO's sections, and the instantaneous rates it reports. */
#ifndef RILL_INFO_H
#define RILL_INFO_H

/* At start-up, once the server is set up: the replication ID and the start-up memory. */
void info_init(void);
/* From the cron: samples the instantaneous rates (every 100 ms at most). */
void info_cron(void);

#endif
