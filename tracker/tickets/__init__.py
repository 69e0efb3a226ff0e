"""The printed service ticket (服务单) of a work order and the QR code that lets its scan name itself."""
