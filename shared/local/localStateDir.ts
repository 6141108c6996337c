/** Where local runs live, relative to the working directory (DESIGN: `.stepfleet/`). */
export const LOCAL_STATE_DIR = '.stepfleet';
