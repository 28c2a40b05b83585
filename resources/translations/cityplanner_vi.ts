<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="vi_VN">
<context>
    <name>AttributesDock</name>
    <message>
        <source>Attributes</source>
        <translation>Thuộc tính</translation>
    </message>
    <message>
        <source>Filter rows…</source>
        <translation>Lọc dòng…</translation>
    </message>
    <message>
        <source>Selected only</source>
        <translation>Chỉ đối tượng đã chọn</translation>
    </message>
    <message>
        <source>{shown} of {total}</source>
        <translation>{shown} / {total}</translation>
    </message>
</context>
<context>
    <name>CheckPage</name>
    <message>
        <source>Coordinate systems and check</source>
        <translation>Hệ tọa độ và kiểm tra</translation>
    </message>
    <message>
        <source>Every layer is reprojected to one working CRS in metres. Finish builds the project.</source>
        <translation>Mọi lớp được chuyển về một hệ tọa độ làm việc tính bằng mét. Bấm Hoàn tất để tạo dự án.</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>Lớp</translation>
    </message>
    <message>
        <source>CRS</source>
        <translation>Hệ tọa độ</translation>
    </message>
    <message>
        <source>EPSG:4326 (longitude/latitude, WGS 84)</source>
        <translation>EPSG:4326 (kinh độ/vĩ độ, WGS 84)</translation>
    </message>
    <message>
        <source>CRS of layers without one</source>
        <translation>Hệ tọa độ cho các lớp không có</translation>
    </message>
    <message>
        <source>Accept overlapping zones (their people are counted twice)</source>
        <translation>Chấp nhận các khu vực chồng lấn (dân số phần chồng lấn bị tính hai lần)</translation>
    </message>
    <message>
        <source>Working CRS</source>
        <translation>Hệ tọa độ làm việc</translation>
    </message>
    <message>
        <source>none</source>
        <translation>không có</translation>
    </message>
    <message>
        <source>Automatic: the UTM zone of the zones&apos; centre</source>
        <translation>Tự động: múi UTM tại tâm các khu vực</translation>
    </message>
    <message>
        <source>Automatic: {crs}</source>
        <translation>Tự động: {crs}</translation>
    </message>
    <message>
        <source>{layers} have no CRS: choose the one their coordinates are in.</source>
        <translation>{layers} không có hệ tọa độ: hãy chọn hệ tọa độ của các tọa độ trong đó.</translation>
    </message>
    <message>
        <source>✓ {count} layers will be reprojected to {crs}, in metres.</source>
        <translation>✓ {count} lớp sẽ được chuyển về {crs}, tính bằng mét.</translation>
    </message>
    <message>
        <source>✓ The working CRS will be the UTM zone of the zones&apos; centre, in metres.</source>
        <translation>✓ Hệ tọa độ làm việc sẽ là múi UTM tại tâm các khu vực, tính bằng mét.</translation>
    </message>
    <message>
        <source>Layers without a CRS are read as {crs}.</source>
        <translation>Các lớp không có hệ tọa độ được đọc theo {crs}.</translation>
    </message>
</context>
<context>
    <name>CompareDialog</name>
    <message>
        <source>Compare scenarios</source>
        <translation>So sánh kịch bản</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Hủy</translation>
    </message>
    <message>
        <source>Scenario A</source>
        <translation>Kịch bản A</translation>
    </message>
    <message>
        <source>Scenario B</source>
        <translation>Kịch bản B</translation>
    </message>
    <message>
        <source>Evaluating {a} and {b}…</source>
        <translation>Đang tính {a} và {b}…</translation>
    </message>
    <message>
        <source>Comparison cancelled.</source>
        <translation>Đã hủy so sánh.</translation>
    </message>
    <message>
        <source>KPI</source>
        <translation>Chỉ tiêu KPI</translation>
    </message>
    <message>
        <source>Capital cost: {a} {cost_a}, {b} {cost_b} ({b} − {a}: {change})</source>
        <translation>Chi phí đầu tư: {a} {cost_a}, {b} {cost_b} ({b} − {a}: {change})</translation>
    </message>
    <message>
        <source>{count} KPIs; colours show each scenario&apos;s status against the target.</source>
        <translation>{count} chỉ tiêu KPI; màu cho biết mức đạt chỉ tiêu của từng kịch bản.</translation>
    </message>
</context>
<context>
    <name>CrashHandler</name>
    <message>
        <source>Unexpected error</source>
        <translation>Lỗi không mong đợi</translation>
    </message>
    <message>
        <source>Something went wrong ({error}). Your work is still open: save it under a new name.</source>
        <translation>Đã xảy ra lỗi ({error}). Công việc của bạn vẫn đang mở: hãy lưu dưới một tên mới.</translation>
    </message>
    <message>
        <source>The details were written to {path}</source>
        <translation>Chi tiết đã được ghi vào {path}</translation>
    </message>
    <message>
        <source>{n} more error(s) since; all are in the log.</source>
        <translation>Thêm {n} lỗi kể từ đó; tất cả đều có trong nhật ký.</translation>
    </message>
</context>
<context>
    <name>DecisionDialog</name>
    <message>
        <source>&amp;Agreed</source>
        <translation>&amp;Thống nhất</translation>
    </message>
    <message>
        <source>&amp;Rejected</source>
        <translation>&amp;Bác bỏ</translation>
    </message>
    <message>
        <source>To &amp;study</source>
        <translation>&amp;Nghiên cứu thêm</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Thời gian</translation>
    </message>
    <message>
        <source>Scenario</source>
        <translation>Kịch bản</translation>
    </message>
    <message>
        <source>Decision</source>
        <translation>Quyết định</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>Thay đổi</translation>
    </message>
    <message>
        <source>KPI changes</source>
        <translation>Thay đổi chỉ tiêu KPI</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Ghi chú</translation>
    </message>
    <message>
        <source>{scenario}: the existing facilities</source>
        <translation>{scenario}: các công trình hiện có</translation>
    </message>
    <message>
        <source>no new facilities</source>
        <translation>không có công trình mới</translation>
    </message>
    <message>
        <source>1 new facility: {types}</source>
        <translation>1 công trình mới: {types}</translation>
    </message>
    <message>
        <source>{count} new facilities: {types}</source>
        <translation>{count} công trình mới: {types}</translation>
    </message>
    <message>
        <source>no KPI changed</source>
        <translation>không chỉ tiêu KPI nào thay đổi</translation>
    </message>
    <message>
        <source>Decision log</source>
        <translation>Nhật ký quyết định</translation>
    </message>
    <message>
        <source>A short note: who, why, what next</source>
        <translation>Ghi chú ngắn: ai, vì sao, bước tiếp theo</translation>
    </message>
    <message>
        <source>Remove the selected entry</source>
        <translation>Xóa mục đang chọn</translation>
    </message>
    <message>
        <source>Add to the log</source>
        <translation>Thêm vào nhật ký</translation>
    </message>
    <message>
        <source>The log (saved with the project, listed in the report)</source>
        <translation>Nhật ký (lưu cùng dự án, có trong báo cáo)</translation>
    </message>
</context>
<context>
    <name>ExportDialog</name>
    <message>
        <source>PDF report</source>
        <translation>Báo cáo PDF</translation>
    </message>
    <message>
        <source>HTML map (works offline)</source>
        <translation>Bản đồ HTML (dùng không cần mạng)</translation>
    </message>
    <message>
        <source>Excel workbook</source>
        <translation>Sổ tính Excel</translation>
    </message>
    <message>
        <source>GeoPackage (QGIS styles)</source>
        <translation>GeoPackage (kèm kiểu hiển thị QGIS)</translation>
    </message>
    <message>
        <source>CSV tables (folder)</source>
        <translation>Bảng CSV (thư mục)</translation>
    </message>
    <message>
        <source>Map view as a PNG image</source>
        <translation>Khung bản đồ thành ảnh PNG</translation>
    </message>
    <message>
        <source>Portrait</source>
        <translation>Khổ dọc</translation>
    </message>
    <message>
        <source>Landscape</source>
        <translation>Khổ ngang</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>Xuất</translation>
    </message>
    <message>
        <source>Write</source>
        <translation>Ghi ra</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Duyệt…</translation>
    </message>
    <message>
        <source>Resolution</source>
        <translation>Độ phân giải</translation>
    </message>
    <message>
        <source>Report</source>
        <translation>Báo cáo</translation>
    </message>
    <message>
        <source>The baseline is always in the report.</source>
        <translation>Hiện trạng luôn có trong báo cáo.</translation>
    </message>
    <message>
        <source>Scenarios</source>
        <translation>Kịch bản</translation>
    </message>
    <message>
        <source>Paper</source>
        <translation>Khổ giấy</translation>
    </message>
    <message>
        <source>Author</source>
        <translation>Tác giả</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Ngôn ngữ</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Hủy</translation>
    </message>
    <message>
        <source>CSV folder</source>
        <translation>Thư mục CSV</translation>
    </message>
    <message>
        <source>{width} × {height} pixels</source>
        <translation>{width} × {height} điểm ảnh</translation>
    </message>
    <message>
        <source>The map image {file} must end in .png.</source>
        <translation>Tên ảnh bản đồ {file} phải kết thúc bằng .png.</translation>
    </message>
    <message>
        <source>The folder of the map image {file} does not exist.</source>
        <translation>Thư mục của ảnh bản đồ {file} không tồn tại.</translation>
    </message>
    <message>
        <source>Gathering the KPIs of {count} scenarios…</source>
        <translation>Đang tính các chỉ tiêu KPI của {count} kịch bản…</translation>
    </message>
    <message>
        <source>Writing the map image…</source>
        <translation>Đang ghi ảnh bản đồ…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>Đang hủy…</translation>
    </message>
    <message>
        <source>Written:</source>
        <translation>Đã ghi:</translation>
    </message>
    <message>
        <source>Export cancelled; no file is left half-written.</source>
        <translation>Đã hủy xuất; không có tệp nào bị ghi dở.</translation>
    </message>
</context>
<context>
    <name>FilesPage</name>
    <message>
        <source>Your layers</source>
        <translation>Các lớp dữ liệu của bạn</translation>
    </message>
    <message>
        <source>Add the files holding your zones, roads, facilities and other layers, then tick the layers to use. A GeoPackage may hold many layers: tick only those the plan needs.</source>
        <translation>Thêm các tệp chứa khu vực, đường giao thông, công trình và các lớp khác, rồi đánh dấu các lớp cần dùng. Một GeoPackage có thể chứa nhiều lớp: chỉ đánh dấu các lớp quy hoạch cần.</translation>
    </message>
    <message>
        <source>Type a file path, or Browse…</source>
        <translation>Gõ đường dẫn tệp, hoặc bấm Duyệt…</translation>
    </message>
    <message>
        <source>Add file</source>
        <translation>Thêm tệp</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Duyệt…</translation>
    </message>
    <message>
        <source>Reading the layers of {file}…</source>
        <translation>Đang đọc các lớp của {file}…</translation>
    </message>
    <message>
        <source>{file} holds {count} layers: tick the ones to use.</source>
        <translation>{file} có {count} lớp: hãy đánh dấu các lớp cần dùng.</translation>
    </message>
    <message>
        <source>{file} added.</source>
        <translation>Đã thêm {file}.</translation>
    </message>
</context>
<context>
    <name>HelpOverlay</name>
    <message>
        <source>Workshop keys</source>
        <translation>Phím tắt của buổi hội thảo</translation>
    </message>
    <message>
        <source>Any key or click closes this list.</source>
        <translation>Nhấn phím bất kỳ hoặc nhấp chuột để đóng danh sách này.</translation>
    </message>
</context>
<context>
    <name>IdentifyDialog</name>
    <message>
        <source>Name</source>
        <translation>Tên</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Loại</translation>
    </message>
    <message>
        <source>Scenario</source>
        <translation>Kịch bản</translation>
    </message>
    <message>
        <source>Capacity</source>
        <translation>Công suất</translation>
    </message>
    <message>
        <source>Cost</source>
        <translation>Chi phí</translation>
    </message>
    <message>
        <source>Service radius</source>
        <translation>Bán kính phục vụ</translation>
    </message>
    <message>
        <source>Longitude (WGS84)</source>
        <translation>Kinh độ (WGS84)</translation>
    </message>
    <message>
        <source>Latitude (WGS84)</source>
        <translation>Vĩ độ (WGS84)</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Nguồn</translation>
    </message>
    <message>
        <source>Marginal gain (people)</source>
        <translation>Số người tăng thêm</translation>
    </message>
    <message>
        <source>{value} (the type&apos;s)</source>
        <translation>{value} (theo loại công trình)</translation>
    </message>
    <message>
        <source>{value} (unit cost of the type)</source>
        <translation>{value} (đơn giá của loại công trình)</translation>
    </message>
    <message>
        <source>{value} m (the type&apos;s)</source>
        <translation>{value} m (theo loại công trình)</translation>
    </message>
    <message>
        <source>placed by hand</source>
        <translation>đặt thủ công</translation>
    </message>
    <message>
        <source>proposed by the optimiser</source>
        <translation>do bộ tối ưu hóa đề xuất</translation>
    </message>
    <message>
        <source>Under the click</source>
        <translation>Tại điểm nhấp</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>Trường</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Giá trị</translation>
    </message>
    <message>
        <source>Properties…</source>
        <translation>Thuộc tính…</translation>
    </message>
    <message>
        <source>Placement: {name}</source>
        <translation>Công trình đề xuất: {name}</translation>
    </message>
    <message>
        <source>{layer} — feature {number}</source>
        <translation>{layer} — đối tượng {number}</translation>
    </message>
</context>
<context>
    <name>KpiDock</name>
    <message>
        <source>KPI</source>
        <translation>Chỉ tiêu</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Giá trị</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>Mục tiêu</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>Thay đổi</translation>
    </message>
    <message>
        <source>KPIs</source>
        <translation>Chỉ tiêu KPI</translation>
    </message>
    <message>
        <source>No project</source>
        <translation>Chưa có dự án</translation>
    </message>
    <message>
        <source>Status: ✓ target met, ≈ within 10 % of it, ✗ short of it</source>
        <translation>Đánh giá: ✓ đạt mục tiêu, ≈ trong phạm vi 10 %, ✗ chưa đạt</translation>
    </message>
    <message>
        <source>Change from the baseline scenario</source>
        <translation>Thay đổi so với phương án cơ sở (hiện trạng)</translation>
    </message>
    <message>
        <source>By</source>
        <translation>Theo</translation>
    </message>
    <message>
        <source>Computing the KPIs of {project}…</source>
        <translation>Đang tính các chỉ tiêu KPI của {project}…</translation>
    </message>
    <message>
        <source>Updating KPIs for {scenario}…</source>
        <translation>Đang cập nhật chỉ tiêu KPI cho {scenario}…</translation>
    </message>
    <message>
        <source>{scenario}: {met} of {total} KPI targets met</source>
        <translation>{scenario}: đạt {met} / {total} chỉ tiêu KPI</translation>
    </message>
    <message>
        <source>Capital cost: {total} (no new facilities)</source>
        <translation>Chi phí đầu tư: {total} (không có công trình mới)</translation>
    </message>
    <message>
        <source>Capital cost: {total} for {count} new facilities</source>
        <translation>Chi phí đầu tư: {total} cho {count} công trình mới</translation>
    </message>
    <message>
        <source>{count} × {type}: {cost}</source>
        <translation>{count} × {type}: {cost}</translation>
    </message>
    <message>
        <source>{count} placements of types the project does not define cost nothing.</source>
        <translation>{count} công trình thuộc loại mà dự án không định nghĩa được tính chi phí bằng 0.</translation>
    </message>
    <message>
        <source>{kpi}{unit} by {group}</source>
        <translation>{kpi}{unit} theo {group}</translation>
    </message>
</context>
<context>
    <name>KpiPickerDialog</name>
    <message>
        <source>KPI tiles</source>
        <translation>Ô chỉ tiêu KPI</translation>
    </message>
    <message>
        <source>Show these KPIs as tiles (three or four read best from the back):</source>
        <translation>Hiển thị các chỉ tiêu KPI này thành ô (ba hoặc bốn ô dễ đọc nhất từ cuối phòng):</translation>
    </message>
</context>
<context>
    <name>KpiStatus</name>
    <message>
        <source>met</source>
        <translation>đạt</translation>
    </message>
    <message>
        <source>near</source>
        <translation>gần đạt</translation>
    </message>
    <message>
        <source>not met</source>
        <translation>chưa đạt</translation>
    </message>
    <message>
        <source>n/a</source>
        <translation>không áp dụng</translation>
    </message>
</context>
<context>
    <name>KpiTile</name>
    <message>
        <source>computing…</source>
        <translation>đang tính…</translation>
    </message>
    <message>
        <source>target {target}</source>
        <translation>mục tiêu {target}</translation>
    </message>
    <message>
        <source>before the plan</source>
        <translation>trước quy hoạch</translation>
    </message>
    <message>
        <source>change {change}</source>
        <translation>thay đổi {change}</translation>
    </message>
</context>
<context>
    <name>LayerPicker</name>
    <message>
        <source>Points</source>
        <translation>Điểm</translation>
    </message>
    <message>
        <source>Lines</source>
        <translation>Đường</translation>
    </message>
    <message>
        <source>Polygons</source>
        <translation>Vùng</translation>
    </message>
    <message>
        <source>No geometry (a table)</source>
        <translation>Không có hình học (bảng)</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>Lớp</translation>
    </message>
    <message>
        <source>Geometry</source>
        <translation>Hình học</translation>
    </message>
    <message>
        <source>Features</source>
        <translation>Đối tượng</translation>
    </message>
    <message>
        <source>CRS</source>
        <translation>Hệ tọa độ</translation>
    </message>
    <message>
        <source>File</source>
        <translation>Tệp</translation>
    </message>
    <message>
        <source>Mixed</source>
        <translation>Hỗn hợp</translation>
    </message>
    <message>
        <source>none: to be chosen</source>
        <translation>không có: cần chọn</translation>
    </message>
    <message>
        <source>{layer} in {file}: {geometry}, {count} features, CRS {crs}</source>
        <translation>{layer} trong {file}: {geometry}, {count} đối tượng, hệ tọa độ {crs}</translation>
    </message>
    <message>
        <source>{layer} is a table without geometry, not a map layer.</source>
        <translation>{layer} là bảng không có hình học, không phải lớp bản đồ.</translation>
    </message>
</context>
<context>
    <name>LayerPickerDialog</name>
    <message>
        <source>Add layer</source>
        <translation>Thêm lớp</translation>
    </message>
    <message>
        <source>{file} holds {count} layers. Choose the one to add (add others one at a time).</source>
        <translation>{file} có {count} lớp. Hãy chọn lớp cần thêm (thêm các lớp khác lần lượt từng lớp).</translation>
    </message>
</context>
<context>
    <name>LayerRole</name>
    <message>
        <source>Zones</source>
        <translation>Khu vực</translation>
    </message>
    <message>
        <source>People per km²</source>
        <translation>Người/km²</translation>
    </message>
    <message>
        <source>Streets</source>
        <translation>Đường phố</translation>
    </message>
    <message>
        <source>Buildings</source>
        <translation>Tòa nhà</translation>
    </message>
    <message>
        <source>Hazard areas</source>
        <translation>Vùng thiên tai</translation>
    </message>
</context>
<context>
    <name>LayersDock</name>
    <message>
        <source>Layers</source>
        <translation>Lớp bản đồ</translation>
    </message>
    <message>
        <source>Opacity</source>
        <translation>Độ mờ đục</translation>
    </message>
    <message>
        <source>Layer {name}</source>
        <translation>Lớp {name}</translation>
    </message>
    <message>
        <source>{geometry}, {count} features{role}</source>
        <translation>{geometry}, {count} đối tượng{role}</translation>
    </message>
    <message>
        <source>Name layer {layer} &apos;{name}&apos;</source>
        <translation>Đặt tên lớp {layer} là &apos;{name}&apos;</translation>
    </message>
    <message>
        <source>Zoom to layer</source>
        <translation>Phóng tới lớp</translation>
    </message>
    <message>
        <source>Style…</source>
        <translation>Kiểu hiển thị…</translation>
    </message>
    <message>
        <source>Attribute table</source>
        <translation>Bảng thuộc tính</translation>
    </message>
    <message>
        <source>Rename</source>
        <translation>Đổi tên</translation>
    </message>
    <message>
        <source>Default name</source>
        <translation>Tên mặc định</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Gỡ bỏ</translation>
    </message>
    <message>
        <source>Remove layer</source>
        <translation>Gỡ bỏ lớp</translation>
    </message>
    <message>
        <source>Layer &apos;{name}&apos; holds the zones and population and cannot be removed.</source>
        <translation>Lớp &apos;{name}&apos; chứa các khu vực và dân số nên không thể gỡ bỏ.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>CityPlanner projects (*.cityplan)</source>
        <translation>Dự án CityPlanner (*.cityplan)</translation>
    </message>
    <message>
        <source>Vector layers (*.gpkg *.shp *.geojson *.json *.kml *.fgb *.parquet *.geoparquet *.osm *.csv *.zip);;All files (*)</source>
        <translation>Lớp vector (*.gpkg *.shp *.geojson *.json *.kml *.fgb *.parquet *.geoparquet *.osm *.csv *.zip);;Mọi tệp (*)</translation>
    </message>
    <message>
        <source>Service areas: {message}</source>
        <translation>Vùng phục vụ: {message}</translation>
    </message>
    <message>
        <source>Scale 1:{scale}</source>
        <translation>Tỷ lệ 1:{scale}</translation>
    </message>
    <message>
        <source>Untitled plan</source>
        <translation>Quy hoạch chưa đặt tên</translation>
    </message>
    <message>
        <source>&amp;New project…</source>
        <translation>Dự án &amp;mới…</translation>
    </message>
    <message>
        <source>&amp;Open…</source>
        <translation>&amp;Mở…</translation>
    </message>
    <message>
        <source>Open the &amp;sample city</source>
        <translation>Mở thành phố &amp;mẫu</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>&amp;Lưu</translation>
    </message>
    <message>
        <source>Save &amp;As…</source>
        <translation>Lưu &amp;thành…</translation>
    </message>
    <message>
        <source>&amp;Add layer…</source>
        <translation>&amp;Thêm lớp…</translation>
    </message>
    <message>
        <source>&amp;Export…</source>
        <translation>&amp;Xuất…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Thoát</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>&amp;Hoàn tác</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>&amp;Làm lại</translation>
    </message>
    <message>
        <source>&amp;Delete facility</source>
        <translation>&amp;Xóa công trình</translation>
    </message>
    <message>
        <source>Set priority tier &amp;{tier}</source>
        <translation>Đặt mức ưu tiên &amp;{tier}</translation>
    </message>
    <message>
        <source>&amp;Clear priority</source>
        <translation>&amp;Bỏ mức ưu tiên</translation>
    </message>
    <message>
        <source>Priority by &amp;rule…</source>
        <translation>Vùng ưu tiên theo &amp;quy tắc…</translation>
    </message>
    <message>
        <source>Zoom to &amp;full extent</source>
        <translation>Phóng &amp;toàn bộ</translation>
    </message>
    <message>
        <source>Zoom to &amp;layer</source>
        <translation>Phóng tới &amp;lớp</translation>
    </message>
    <message>
        <source>Zoom to &amp;selection</source>
        <translation>Phóng tới đối tượng &amp;chọn</translation>
    </message>
    <message>
        <source>&amp;Legend</source>
        <translation>&amp;Chú giải</translation>
    </message>
    <message>
        <source>Offline &amp;basemap (MBTiles)…</source>
        <translation>&amp;Bản đồ nền ngoại tuyến (MBTiles)…</translation>
    </message>
    <message>
        <source>&amp;Propose sites…</source>
        <translation>&amp;Đề xuất vị trí…</translation>
    </message>
    <message>
        <source>&amp;Compare scenarios…</source>
        <translation>&amp;So sánh kịch bản…</translation>
    </message>
    <message>
        <source>Presen&amp;tation mode</source>
        <translation>Chế độ &amp;trình chiếu</translation>
    </message>
    <message>
        <source>&amp;Decision log…</source>
        <translation>&amp;Nhật ký quyết định…</translation>
    </message>
    <message>
        <source>&amp;Pan</source>
        <translation>&amp;Di chuyển</translation>
    </message>
    <message>
        <source>&amp;Identify</source>
        <translation>&amp;Xem thông tin</translation>
    </message>
    <message>
        <source>&amp;Select</source>
        <translation>&amp;Chọn</translation>
    </message>
    <message>
        <source>Select by &amp;rectangle</source>
        <translation>Chọn theo hình &amp;chữ nhật</translation>
    </message>
    <message>
        <source>Select by &amp;lasso</source>
        <translation>Chọn theo &amp;vùng vẽ tự do</translation>
    </message>
    <message>
        <source>Place &amp;facility</source>
        <translation>Đặt &amp;công trình</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Tệp</translation>
    </message>
    <message>
        <source>Open &amp;recent</source>
        <translation>Mở &amp;gần đây</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>&amp;Sửa</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Xem</translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation>&amp;Công cụ</translation>
    </message>
    <message>
        <source>&amp;Plan</source>
        <translation>&amp;Quy hoạch</translation>
    </message>
    <message>
        <source>Main toolbar</source>
        <translation>Thanh công cụ chính</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>&amp;Ngôn ngữ</translation>
    </message>
    <message>
        <source>The language changes when CityPlanner is restarted.</source>
        <translation>Ngôn ngữ sẽ thay đổi khi khởi động lại CityPlanner.</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Ngôn ngữ</translation>
    </message>
    <message>
        <source>&amp;Undo {action}</source>
        <translation>&amp;Hoàn tác {action}</translation>
    </message>
    <message>
        <source>&amp;Redo {action}</source>
        <translation>&amp;Làm lại {action}</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>Thay đổi chưa lưu</translation>
    </message>
    <message>
        <source>Save the changes to {title} before closing it?</source>
        <translation>Lưu các thay đổi của {title} trước khi đóng?</translation>
    </message>
    <message>
        <source>Open project</source>
        <translation>Mở dự án</translation>
    </message>
    <message>
        <source>Opening {file}…</source>
        <translation>Đang mở {file}…</translation>
    </message>
    <message>
        <source>Opened {file}</source>
        <translation>Đã mở {file}</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Hủy</translation>
    </message>
    <message>
        <source>Save project as</source>
        <translation>Lưu dự án thành</translation>
    </message>
    <message>
        <source>Save project</source>
        <translation>Lưu dự án</translation>
    </message>
    <message>
        <source>Saved {file}</source>
        <translation>Đã lưu {file}</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(không có)</translation>
    </message>
    <message>
        <source>Autosave failed: {message}</source>
        <translation>Tự động lưu thất bại: {message}</translation>
    </message>
    <message>
        <source>Restore unsaved work</source>
        <translation>Khôi phục công việc chưa lưu</translation>
    </message>
    <message>
        <source>CityPlanner did not close normally. Restore the autosaved copy of {name} from {time}?</source>
        <translation>CityPlanner đã không đóng bình thường. Khôi phục bản tự động lưu của {name} lúc {time}?</translation>
    </message>
    <message>
        <source>your plan</source>
        <translation>quy hoạch của bạn</translation>
    </message>
    <message>
        <source>earlier</source>
        <translation>trước đó</translation>
    </message>
    <message>
        <source>The recovery file {file} could not be read and was moved aside as {moved}.</source>
        <translation>Không đọc được tệp khôi phục {file}; tệp đã được chuyển sang chỗ khác với tên {moved}.</translation>
    </message>
    <message>
        <source>The recovery file {file} could not be read and was removed.</source>
        <translation>Không đọc được tệp khôi phục {file}; tệp đã bị xóa.</translation>
    </message>
    <message>
        <source>Add layers</source>
        <translation>Thêm lớp</translation>
    </message>
    <message>
        <source>Reading {file}…</source>
        <translation>Đang đọc {file}…</translation>
    </message>
    <message>
        <source>Add layer</source>
        <translation>Thêm lớp</translation>
    </message>
    <message>
        <source>Adding {layer}…</source>
        <translation>Đang thêm {layer}…</translation>
    </message>
    <message>
        <source>Added layer {layer}</source>
        <translation>Đã thêm lớp {layer}</translation>
    </message>
    <message>
        <source>{code} (the project&apos;s working CRS, in metres)</source>
        <translation>{code} (hệ tọa độ làm việc của dự án, đơn vị mét)</translation>
    </message>
    <message>
        <source>{code} (longitude/latitude, WGS 84)</source>
        <translation>{code} (kinh độ/vĩ độ, WGS 84)</translation>
    </message>
    <message>
        <source>Layer without a CRS</source>
        <translation>Lớp không có hệ tọa độ</translation>
    </message>
    <message>
        <source>{file} does not say which coordinate reference system (CRS) its coordinates are in.
Choose it, or type another one (e.g. EPSG:3405):</source>
        <translation>{file} không cho biết tọa độ của nó theo hệ tọa độ tham chiếu (CRS) nào.
Hãy chọn hệ tọa độ, hoặc nhập một hệ khác (ví dụ EPSG:3405):</translation>
    </message>
    <message>
        <source>Offline basemap</source>
        <translation>Bản đồ nền ngoại tuyến</translation>
    </message>
    <message>
        <source>Select zones first (Select, rectangle or lasso tool on the zone layer).</source>
        <translation>Hãy chọn khu vực trước (công cụ Chọn, chữ nhật hoặc vùng vẽ tự do trên lớp khu vực).</translation>
    </message>
    <message>
        <source>Priority by rule</source>
        <translation>Vùng ưu tiên theo quy tắc</translation>
    </message>
    <message>
        <source>The project has no zone layer to prioritise.</source>
        <translation>Dự án không có lớp khu vực để xác định vùng ưu tiên.</translation>
    </message>
    <message>
        <source>Plan</source>
        <translation>Phương án</translation>
    </message>
    <message>
        <source>The baseline holds existing facilities only; placing in new scenario &apos;{name}&apos;.</source>
        <translation>Phương án cơ sở chỉ chứa công trình hiện trạng; đặt vào kịch bản mới &apos;{name}&apos;.</translation>
    </message>
    <message>
        <source>Place {facility}</source>
        <translation>Đặt {facility}</translation>
    </message>
    <message>
        <source>, adds {people} people</source>
        <translation>, thêm {people} người</translation>
    </message>
    <message>
        <source>Selected {name} ({source}{gain}); drag to move, Delete to remove.</source>
        <translation>Đã chọn {name} ({source}{gain}); kéo để di chuyển, nhấn Delete để xóa.</translation>
    </message>
    <message>
        <source>Snap to streets: {error}</source>
        <translation>Bám theo đường phố: {error}</translation>
    </message>
    <message>
        <source>Snap to streets: the project has no road layer.</source>
        <translation>Bám theo đường phố: dự án không có lớp đường giao thông.</translation>
    </message>
    <message>
        <source>Not snapped: the nearest street is {distance} m away (more than {limit} m).</source>
        <translation>Không bám được: đường gần nhất cách {distance} m (quá {limit} m).</translation>
    </message>
    <message>
        <source>No road layer: coverage is drawn as radius discs.</source>
        <translation>Không có lớp đường giao thông: phạm vi phục vụ được vẽ theo vòng tròn bán kính.</translation>
    </message>
</context>
<context>
    <name>MapCanvas</name>
    <message>
        <source>No layers yet</source>
        <translation>Chưa có lớp bản đồ nào</translation>
    </message>
    <message>
        <source>File &gt; New project… (Ctrl+N): start from your zones and their population.</source>
        <translation>Tệp &gt; Dự án mới… (Ctrl+N): bắt đầu từ các vùng và dân số của chúng.</translation>
    </message>
    <message>
        <source>File &gt; Open… (Ctrl+O): open a .cityplan project.</source>
        <translation>Tệp &gt; Mở… (Ctrl+O): mở một dự án .cityplan.</translation>
    </message>
    <message>
        <source>File &gt; Open the sample city: central Hải Châu, Đà Nẵng.</source>
        <translation>Tệp &gt; Mở thành phố mẫu: trung tâm Hải Châu, Đà Nẵng.</translation>
    </message>
    <message>
        <source>Drop layer files (GeoPackage, Shapefile, GeoJSON, KML, CSV…) here to add them.</source>
        <translation>Kéo thả tệp lớp bản đồ (GeoPackage, Shapefile, GeoJSON, KML, CSV…) vào đây để thêm.</translation>
    </message>
    <message>
        <source>other ({count} values)</source>
        <translation>khác ({count} giá trị)</translation>
    </message>
    <message>
        <source>Priority tier {tier}</source>
        <translation>Ưu tiên mức {tier}</translation>
    </message>
    <message>
        <source>Within {radius} m of a {type}</source>
        <translation>Trong bán kính {radius} m quanh {type}</translation>
    </message>
    <message>
        <source>Service areas along the streets</source>
        <translation>Vùng phục vụ theo đường phố</translation>
    </message>
    <message>
        <source>Zone boundaries</source>
        <translation>Ranh giới khu vực</translation>
    </message>
    <message>
        <source>Plan ({scenario})</source>
        <translation>Phương án ({scenario})</translation>
    </message>
    <message>
        <source>Existing facilities</source>
        <translation>Công trình hiện có</translation>
    </message>
    <message>
        <source>Base layers</source>
        <translation>Lớp nền</translation>
    </message>
    <message>
        <source>… {count} more</source>
        <translation>… và {count} nhóm khác</translation>
    </message>
</context>
<context>
    <name>MapLegend</name>
    <message>
        <source>Legend</source>
        <translation>Chú giải</translation>
    </message>
    <message>
        <source>Show the legend</source>
        <translation>Hiện chú giải</translation>
    </message>
    <message>
        <source>Hide the legend</source>
        <translation>Ẩn chú giải</translation>
    </message>
</context>
<context>
    <name>NewProjectWizard</name>
    <message>
        <source>Vector layers (*.gpkg *.shp *.geojson *.json *.kml *.fgb *.parquet *.osm *.csv *.zip);;All files (*)</source>
        <translation>Lớp vector (*.gpkg *.shp *.geojson *.json *.kml *.fgb *.parquet *.osm *.csv *.zip);;Mọi tệp (*)</translation>
    </message>
    <message>
        <source>Population rasters (*.tif *.tiff);;All files (*)</source>
        <translation>Ảnh raster dân số (*.tif *.tiff);;Mọi tệp (*)</translation>
    </message>
    <message>
        <source>New project</source>
        <translation>Dự án mới</translation>
    </message>
    <message>
        <source>Zone layer</source>
        <translation>Lớp khu vực</translation>
    </message>
    <message>
        <source>Population raster</source>
        <translation>Raster dân số</translation>
    </message>
    <message>
        <source>Place each zone&apos;s people in its buildings</source>
        <translation>Phân bố dân của mỗi khu vực vào các tòa nhà</translation>
    </message>
    <message>
        <source>Cell size</source>
        <translation>Kích thước ô</translation>
    </message>
    <message>
        <source>Layers</source>
        <translation>Các lớp</translation>
    </message>
    <message>
        <source>Working CRS</source>
        <translation>Hệ tọa độ làm việc</translation>
    </message>
    <message>
        <source>CRS of layers without one</source>
        <translation>Hệ tọa độ cho các lớp không có</translation>
    </message>
    <message>
        <source>Accept overlapping zones</source>
        <translation>Chấp nhận các khu vực chồng lấn</translation>
    </message>
    <message>
        <source>Building the project…</source>
        <translation>Đang tạo dự án…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>Đang hủy…</translation>
    </message>
    <message>
        <source>Cancelled: nothing was built.</source>
        <translation>Đã hủy: chưa tạo gì.</translation>
    </message>
    <message>
        <source>Population field</source>
        <translation>Trường dân số</translation>
    </message>
</context>
<context>
    <name>PaletteDock</name>
    <message>
        <source>Type</source>
        <translation>Loại</translation>
    </message>
    <message>
        <source>Radius (m)</source>
        <translation>Bán kính (m)</translation>
    </message>
    <message>
        <source>Capacity</source>
        <translation>Công suất</translation>
    </message>
    <message>
        <source>Unit cost</source>
        <translation>Đơn giá</translation>
    </message>
    <message>
        <source>Facilities</source>
        <translation>Công trình</translation>
    </message>
    <message>
        <source>Show coverage</source>
        <translation>Hiện phạm vi phục vụ</translation>
    </message>
    <message>
        <source>Radius discs</source>
        <translation>Vòng tròn bán kính</translation>
    </message>
    <message>
        <source>Network service areas</source>
        <translation>Vùng phục vụ theo mạng đường</translation>
    </message>
    <message>
        <source>Snap to streets</source>
        <translation>Bám theo đường phố</translation>
    </message>
    <message>
        <source>{type}: existing facilities from layer {layer}; double-click to change its colour</source>
        <translation>{type}: công trình hiện trạng từ lớp {layer}; nhấp đúp để đổi màu</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(không có)</translation>
    </message>
    <message>
        <source>Colour of {facility}</source>
        <translation>Màu của {facility}</translation>
    </message>
</context>
<context>
    <name>PlacementPropertiesDialog</name>
    <message>
        <source>Properties of {name}</source>
        <translation>Thuộc tính của {name}</translation>
    </message>
    <message>
        <source>Name on the map and in the report</source>
        <translation>Tên trên bản đồ và trong báo cáo</translation>
    </message>
    <message>
        <source>{lon}° E, {lat}° N (WGS84)</source>
        <translation>{lon}° Đ, {lat}° B (WGS84)</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Tên</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Loại</translation>
    </message>
    <message>
        <source>Capacity</source>
        <translation>Công suất</translation>
    </message>
    <message>
        <source>Cost</source>
        <translation>Chi phí</translation>
    </message>
    <message>
        <source>Service radius</source>
        <translation>Bán kính phục vụ</translation>
    </message>
    <message>
        <source>Position</source>
        <translation>Vị trí</translation>
    </message>
    <message>
        <source>Scenario</source>
        <translation>Kịch bản</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Nguồn</translation>
    </message>
    <message>
        <source>At its lowest value, capacity or cost is the facility type&apos;s: it then follows edits of the type in the Facilities dock.</source>
        <translation>Ở giá trị thấp nhất, công suất hoặc chi phí lấy theo loại công trình: khi đó chúng thay đổi theo các chỉnh sửa loại đó trong bảng Công trình.</translation>
    </message>
    <message>
        <source>Type default ({value})</source>
        <translation>Mặc định của loại ({value})</translation>
    </message>
    <message>
        <source>Unit cost ({value})</source>
        <translation>Đơn giá ({value})</translation>
    </message>
    <message>
        <source>{value} m (the type&apos;s; edit it in the Facilities dock)</source>
        <translation>{value} m (theo loại công trình; sửa trong bảng Công trình)</translation>
    </message>
    <message>
        <source>Edit {name}</source>
        <translation>Sửa {name}</translation>
    </message>
</context>
<context>
    <name>PresentationMode</name>
    <message>
        <source>&amp;Place</source>
        <translation>&amp;Đặt</translation>
    </message>
    <message>
        <source>&amp;Move</source>
        <translation>&amp;Di chuyển</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>&amp;Xóa</translation>
    </message>
    <message>
        <source>Delete the selected facility</source>
        <translation>Xóa công trình đang chọn</translation>
    </message>
    <message>
        <source>Next facility type</source>
        <translation>Loại công trình tiếp theo</translation>
    </message>
    <message>
        <source>Previous facility type</source>
        <translation>Loại công trình trước đó</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>Hoàn tác</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>Làm lại</translation>
    </message>
    <message>
        <source>Next scenario</source>
        <translation>Kịch bản tiếp theo</translation>
    </message>
    <message>
        <source>Previous scenario</source>
        <translation>Kịch bản trước đó</translation>
    </message>
    <message>
        <source>&amp;Before / after</source>
        <translation>&amp;Trước / sau</translation>
    </message>
    <message>
        <source>&amp;Split view</source>
        <translation>&amp;Chia đôi</translation>
    </message>
    <message>
        <source>Divider to the left</source>
        <translation>Đường chia sang trái</translation>
    </message>
    <message>
        <source>Divider to the right</source>
        <translation>Đường chia sang phải</translation>
    </message>
    <message>
        <source>&amp;Decision…</source>
        <translation>&amp;Quyết định…</translation>
    </message>
    <message>
        <source>&amp;KPI tiles…</source>
        <translation>Ô &amp;KPI…</translation>
    </message>
    <message>
        <source>Whole city</source>
        <translation>Toàn thành phố</translation>
    </message>
    <message>
        <source>Larger text</source>
        <translation>Chữ to hơn</translation>
    </message>
    <message>
        <source>Smaller text</source>
        <translation>Chữ nhỏ hơn</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>Phím tắt</translation>
    </message>
    <message>
        <source>Leave</source>
        <translation>Thoát</translation>
    </message>
    <message>
        <source>Workshop toolbar</source>
        <translation>Thanh công cụ hội thảo</translation>
    </message>
    <message>
        <source>Facility type to place (T / Shift+T)</source>
        <translation>Loại công trình để đặt (T / Shift+T)</translation>
    </message>
    <message>
        <source>Scenario shown (PgUp / PgDown)</source>
        <translation>Kịch bản đang hiển thị (PgUp / PgDown)</translation>
    </message>
    <message>
        <source>Workshop</source>
        <translation>Hội thảo</translation>
    </message>
    <message>
        <source>Workshop legend</source>
        <translation>Chú giải hội thảo</translation>
    </message>
    <message>
        <source>Computing the KPIs…</source>
        <translation>Đang tính các chỉ tiêu KPI…</translation>
    </message>
    <message>
        <source>Placing: {type}</source>
        <translation>Đang đặt: {type}</translation>
    </message>
    <message>
        <source>There is no plan yet: place a facility to start one.</source>
        <translation>Chưa có quy hoạch: hãy đặt một công trình để bắt đầu.</translation>
    </message>
    <message>
        <source>BEFORE: {baseline}</source>
        <translation>TRƯỚC: {baseline}</translation>
    </message>
    <message>
        <source>Left of the line is the baseline: edit the plan on the right.</source>
        <translation>Bên trái đường chia là phương án cơ sở: hãy sửa quy hoạch ở bên phải.</translation>
    </message>
    <message>
        <source>New (large) and existing (small):</source>
        <translation>Mới (lớn) và hiện có (nhỏ):</translation>
    </message>
    <message>
        <source>Existing:</source>
        <translation>Hiện có:</translation>
    </message>
    <message>
        <source>Within {radius} m of a {type}</source>
        <translation>Trong bán kính {radius} m quanh {type}</translation>
    </message>
    <message>
        <source>Priority zones (hatched)</source>
        <translation>Vùng ưu tiên (gạch chéo)</translation>
    </message>
    <message>
        <source>Decision recorded in the project&apos;s log: save to keep it.</source>
        <translation>Đã ghi quyết định vào nhật ký của dự án: hãy lưu để giữ lại.</translation>
    </message>
    <message>
        <source>The KPIs are still being computed.</source>
        <translation>Các chỉ tiêu KPI vẫn đang được tính.</translation>
    </message>
</context>
<context>
    <name>PriorityRuleDialog</name>
    <message>
        <source>Priority zones by rule</source>
        <translation>Vùng ưu tiên theo quy tắc</translation>
    </message>
    <message>
        <source>Weights (0 = not used; negative favours low values)</source>
        <translation>Trọng số (0 = không dùng; số âm ưu tiên giá trị thấp)</translation>
    </message>
    <message>
        <source>Share of zones in each tier (%)</source>
        <translation>Tỷ lệ khu vực ở mỗi mức (%)</translation>
    </message>
    <message>
        <source>Minimum score for each tier</source>
        <translation>Điểm tối thiểu của mỗi mức</translation>
    </message>
    <message>
        <source>Tiers</source>
        <translation>Mức ưu tiên</translation>
    </message>
    <message>
        <source>Rule</source>
        <translation>Quy tắc</translation>
    </message>
    <message>
        <source>Tier {tier}</source>
        <translation>Mức {tier}</translation>
    </message>
    <message>
        <source>Computing the criteria…</source>
        <translation>Đang tính các tiêu chí…</translation>
    </message>
    <message>
        <source>Zones are scored by the weighted sum of the criteria (each scaled 0–1).</source>
        <translation>Mỗi khu vực được chấm điểm bằng tổng có trọng số của các tiêu chí (mỗi tiêu chí quy về 0–1).</translation>
    </message>
    <message>
        <source>Tier 1: {tier1} zones, tier 2: {tier2}, tier 3: {tier3} of {total} (scores {low} to {high}).</source>
        <translation>Mức 1: {tier1} khu vực, mức 2: {tier2}, mức 3: {tier3} trên tổng {total} (điểm từ {low} đến {high}).</translation>
    </message>
</context>
<context>
    <name>ProposeSitesDialog</name>
    <message>
        <source>Regular grid over the zones</source>
        <translation>Lưới đều phủ các khu vực</translation>
    </message>
    <message>
        <source>Street network vertices</source>
        <translation>Các nút của mạng đường</translation>
    </message>
    <message>
        <source>Zone centres</source>
        <translation>Tâm các khu vực</translation>
    </message>
    <message>
        <source>Straight line</source>
        <translation>Đường chim bay</translation>
    </message>
    <message>
        <source>Along the streets</source>
        <translation>Theo đường phố</translation>
    </message>
    <message>
        <source>Propose sites</source>
        <translation>Đề xuất vị trí</translation>
    </message>
    <message>
        <source>Number of sites</source>
        <translation>Số vị trí</translation>
    </message>
    <message>
        <source>Budget</source>
        <translation>Ngân sách</translation>
    </message>
    <message>
        <source>Proposal</source>
        <translation>Đề xuất</translation>
    </message>
    <message>
        <source>Start from the plan&apos;s proposed sites where they are now, moved or not; the new proposal replaces them. Sites placed by hand stay where they are and count.</source>
        <translation>Bắt đầu từ các vị trí đề xuất của phương án ở chỗ hiện tại, dù đã di chuyển hay chưa; đề xuất mới sẽ thay thế chúng. Các vị trí đặt thủ công giữ nguyên chỗ và vẫn được tính.</translation>
    </message>
    <message>
        <source>Maximal covering: choose the sites that cover the most people within the radius; existing facilities of the type (and the current plan&apos;s) stay and count.</source>
        <translation>Bài toán phủ tối đa: chọn các vị trí phục vụ được nhiều người nhất trong bán kính; công trình hiện có cùng loại (và của phương án hiện tại) được giữ lại và tính vào.</translation>
    </message>
    <message>
        <source>Site</source>
        <translation>Vị trí</translation>
    </message>
    <message>
        <source>Marginal gain (people)</source>
        <translation>Số người tăng thêm</translation>
    </message>
    <message>
        <source>Longitude</source>
        <translation>Kinh độ</translation>
    </message>
    <message>
        <source>Latitude</source>
        <translation>Vĩ độ</translation>
    </message>
    <message>
        <source>Positions are WGS84 longitude and latitude in decimal degrees.</source>
        <translation>Vị trí là kinh độ và vĩ độ WGS84 theo độ thập phân.</translation>
    </message>
    <message>
        <source>Cover the most people within the radius</source>
        <translation>Phủ được nhiều người nhất trong bán kính</translation>
    </message>
    <message>
        <source>Shortest travel for everyone (least people × distance)</source>
        <translation>Quãng đường ngắn nhất cho mọi người (ít người × khoảng cách nhất)</translation>
    </message>
    <message>
        <source>Fewest sites to cover a share of the people</source>
        <translation>Ít điểm nhất để phủ một tỷ lệ dân số</translation>
    </message>
    <message>
        <source>The share of the people the fewest sites must bring within the radius.</source>
        <translation>Tỷ lệ dân số cần nằm trong bán kính phục vụ; mục tiêu là tìm số vị trí ít nhất đạt được tỷ lệ này.</translation>
    </message>
    <message>
        <source>Goal</source>
        <translation>Mục tiêu</translation>
    </message>
    <message>
        <source>Target coverage</source>
        <translation>Tỷ lệ phủ mục tiêu</translation>
    </message>
    <message>
        <source>Stop and keep the best</source>
        <translation>Dừng và giữ kết quả tốt nhất</translation>
    </message>
    <message>
        <source>End the search now and keep the best proposal found so far, with its gap.</source>
        <translation>Kết thúc tìm kiếm ngay và giữ đề xuất tốt nhất tìm được đến lúc này, kèm khoảng cách đến tối ưu của nó.</translation>
    </message>
    <message>
        <source>Re-optimise the {count} proposed sites of &apos;{scenario}&apos;</source>
        <translation>Tối ưu lại {count} vị trí đề xuất của &apos;{scenario}&apos;</translation>
    </message>
    <message>
        <source>Shortest travel: choose the new sites that make the distance people travel to their nearest facility the least in total; the radius only sets what the result counts as covered. Existing facilities of the type (and the current plan&apos;s) stay and count.</source>
        <translation>Quãng đường ngắn nhất: chọn các vị trí mới sao cho tổng quãng đường mọi người đi đến công trình gần nhất là nhỏ nhất; bán kính chỉ dùng để kết quả tính ai được phục vụ. Công trình hiện có cùng loại (và của phương án hiện tại) được giữ lại và tính vào.</translation>
    </message>
    <message>
        <source>Set covering: choose the fewest sites that bring the target share of the people within the radius; existing facilities of the type (and the current plan&apos;s) stay and count.</source>
        <translation>Bài toán phủ tập hợp: chọn ít vị trí nhất để tỷ lệ dân số mục tiêu nằm trong bán kính; công trình hiện có cùng loại (và của phương án hiện tại) được giữ lại và tính vào.</translation>
    </message>
    <message>
        <source>Newly within the radius (people)</source>
        <translation>Số người mới trong bán kính</translation>
    </message>
    <message>
        <source>Re-optimise</source>
        <translation>Tối ưu lại</translation>
    </message>
    <message>
        <source>{label} (proposed) {rank}</source>
        <translation>{label} (đề xuất) {rank}</translation>
    </message>
    <message>
        <source>Improving the proposal; stop at any time to keep the best so far.</source>
        <translation>Đang cải thiện đề xuất; có thể dừng bất cứ lúc nào để giữ kết quả tốt nhất đến lúc này.</translation>
    </message>
    <message>
        <source>%p % · {seconds} s</source>
        <translation>%p % · {seconds} giây</translation>
    </message>
    <message>
        <source>Best so far: {value} m on average to the nearest facility; at least {bound} m possible (gap {gap} %); found after {seconds} s.</source>
        <translation>Tốt nhất đến lúc này: trung bình {value} m đến công trình gần nhất; tốt nhất có thể không dưới {bound} m (chênh lệch {gap} %); tìm được sau {seconds} giây.</translation>
    </message>
    <message>
        <source>Best so far: {value} m on average to the nearest facility (no bound yet); found after {seconds} s.</source>
        <translation>Tốt nhất đến lúc này: trung bình {value} m đến công trình gần nhất (chưa có cận dưới); tìm được sau {seconds} giây.</translation>
    </message>
    <message>
        <source>{left} people live on separate parts of the street network that no site reaches yet.</source>
        <translation>{left} người sống trên các đoạn đường tách rời mà chưa điểm nào tới được.</translation>
    </message>
    <message>
        <source>Best so far: {value} new sites; at least {bound} needed (gap {gap} %); found after {seconds} s.</source>
        <translation>Tốt nhất đến lúc này: {value} vị trí mới; cần ít nhất {bound} (chênh lệch {gap} %); tìm được sau {seconds} giây.</translation>
    </message>
    <message>
        <source>Best so far: {value} new sites (no bound yet); found after {seconds} s.</source>
        <translation>Tốt nhất đến lúc này: {value} vị trí mới (chưa có cận dưới); tìm được sau {seconds} giây.</translation>
    </message>
    <message>
        <source>Best so far: {covered} people covered; at most {bound} possible (gap {gap} %); found after {seconds} s.</source>
        <translation>Tốt nhất đến lúc này: phục vụ {covered} người; tối đa có thể {bound} (khoảng cách {gap} %); tìm được sau {seconds} giây.</translation>
    </message>
    <message>
        <source>Best so far: {covered} people covered (no bound yet); found after {seconds} s.</source>
        <translation>Tốt nhất đến lúc này: phục vụ {covered} người (chưa có cận trên); tìm được sau {seconds} giây.</translation>
    </message>
    <message>
        <source>Stopping with the best proposal so far…</source>
        <translation>Đang dừng với đề xuất tốt nhất đến lúc này…</translation>
    </message>
    <message>
        <source>&apos;{scenario}&apos;: with {sites} new sites people travel {average} m on average to the nearest facility; {percent} % are within {radius} m ({before} % before); {status}, {seconds} s.</source>
        <translation>&apos;{scenario}&apos;: với {sites} vị trí mới, mỗi người đi trung bình {average} m đến công trình gần nhất; {percent} % ở trong phạm vi {radius} m (trước đó {before} %); {status}, {seconds} giây.</translation>
    </message>
    <message>
        <source>&apos;{scenario}&apos;: {sites} new sites bring {percent} % of the people within {radius} m (target {target} %, {before} % before); {status}, {seconds} s.</source>
        <translation>&apos;{scenario}&apos;: {sites} vị trí mới đưa {percent} % dân số vào phạm vi {radius} m (mục tiêu {target} %, trước đó {before} %); {status}, {seconds} giây.</translation>
    </message>
    <message>
        <source>{left} people live on separate parts of the street network that no site reaches; they are left out of the average (more sites, or candidates on connected streets only, would serve them).</source>
        <translation>{left} người sống trên các đoạn đường tách rời mà không điểm nào tới được; họ không được tính vào mức trung bình (thêm điểm, hoặc chỉ dùng ứng viên trên các tuyến đường liên thông, sẽ phục vụ được họ).</translation>
    </message>
    <message>
        <source>stopped early, no bound on the gap yet</source>
        <translation>đã dừng sớm, chưa có cận cho khoảng cách</translation>
    </message>
    <message>
        <source>no bound</source>
        <translation>chưa có cận</translation>
    </message>
    <message>
        <source>stopped early, within {gap} % of the best possible</source>
        <translation>đã dừng sớm, cách phương án tốt nhất không quá {gap} %</translation>
    </message>
    <message>
        <source>within {gap} % of the best possible</source>
        <translation>cách phương án tốt nhất không quá {gap} %</translation>
    </message>
    <message>
        <source>Facility type</source>
        <translation>Loại công trình</translation>
    </message>
    <message>
        <source>Limit</source>
        <translation>Giới hạn theo</translation>
    </message>
    <message>
        <source>New sites</source>
        <translation>Số vị trí mới</translation>
    </message>
    <message>
        <source>Service radius</source>
        <translation>Bán kính phục vụ</translation>
    </message>
    <message>
        <source>Distance</source>
        <translation>Khoảng cách</translation>
    </message>
    <message>
        <source>Candidates</source>
        <translation>Vị trí ứng viên</translation>
    </message>
    <message>
        <source>Candidate spacing</source>
        <translation>Khoảng cách ứng viên</translation>
    </message>
    <message>
        <source>Time limit</source>
        <translation>Giới hạn thời gian</translation>
    </message>
    <message>
        <source>Scenario name</source>
        <translation>Tên kịch bản</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>Chạy</translation>
    </message>
    <message>
        <source>Create scenario</source>
        <translation>Tạo kịch bản</translation>
    </message>
    <message>
        <source>Choose a new scenario name (&apos;{name}&apos; is empty or already used).</source>
        <translation>Hãy chọn tên kịch bản mới (&apos;{name}&apos; đang trống hoặc đã được dùng).</translation>
    </message>
    <message>
        <source>Solving…</source>
        <translation>Đang giải…</translation>
    </message>
    <message>
        <source>optimal</source>
        <translation>tối ưu</translation>
    </message>
    <message>
        <source>&apos;{scenario}&apos;: {sites} new sites cover {covered} of {total} people ({percent} %, {before} % before); {status}, {seconds} s.</source>
        <translation>&apos;{scenario}&apos;: {sites} vị trí mới phục vụ {covered} / {total} người ({percent} %, trước đó {before} %); {status}, {seconds} giây.</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>Đang hủy…</translation>
    </message>
</context>
<context>
    <name>QPlatformTheme</name>
    <message>
        <source>OK</source>
        <translation>Đồng ý</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Hủy</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Đóng</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Lưu</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>Không lưu</translation>
    </message>
    <message>
        <source>&amp;Yes</source>
        <translation>&amp;Có</translation>
    </message>
    <message>
        <source>&amp;No</source>
        <translation>&amp;Không</translation>
    </message>
</context>
<context>
    <name>QWizard</name>
    <message>
        <source>&lt; &amp;Back</source>
        <translation>&lt; &amp;Quay lại</translation>
    </message>
    <message>
        <source>&amp;Next &gt;</source>
        <translation>&amp;Tiếp &gt;</translation>
    </message>
    <message>
        <source>&amp;Finish</source>
        <translation>&amp;Hoàn tất</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Hủy</translation>
    </message>
</context>
<context>
    <name>RolesPage</name>
    <message>
        <source>No role (shown on the map)</source>
        <translation>Không có vai trò (chỉ hiển thị trên bản đồ)</translation>
    </message>
    <message>
        <source>Roads (street centre lines)</source>
        <translation>Đường giao thông (tim đường)</translation>
    </message>
    <message>
        <source>Buildings</source>
        <translation>Tòa nhà</translation>
    </message>
    <message>
        <source>Hazard area (e.g. flooding)</source>
        <translation>Vùng nguy cơ (ví dụ ngập lụt)</translation>
    </message>
    <message>
        <source>Boundary</source>
        <translation>Ranh giới</translation>
    </message>
    <message>
        <source>What each layer is</source>
        <translation>Vai trò của từng lớp</translation>
    </message>
    <message>
        <source>Roads give walking distances; existing facilities count towards the KPIs of their type. Roles are guessed from layer names: check them.</source>
        <translation>Đường giao thông cho khoảng cách đi bộ; công trình hiện có được tính vào các chỉ tiêu KPI của loại công trình đó. Vai trò được đoán theo tên lớp: hãy kiểm tra lại.</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>Lớp</translation>
    </message>
    <message>
        <source>Geometry</source>
        <translation>Hình học</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>Vai trò</translation>
    </message>
    <message>
        <source>Place each zone&apos;s people in its buildings (footprint × storeys)</source>
        <translation>Phân bố dân của mỗi khu vực vào các tòa nhà (diện tích chiếm đất × số tầng)</translation>
    </message>
    <message>
        <source>Existing facilities: {type}</source>
        <translation>Công trình hiện có: {type}</translation>
    </message>
    <message>
        <source>{layer} holds {geometry}; the road layer must hold street centre lines.</source>
        <translation>{layer} chứa {geometry}; lớp đường giao thông phải chứa tim đường.</translation>
    </message>
    <message>
        <source>No road layer: distances will be measured in a straight line.</source>
        <translation>Không có lớp đường giao thông: khoảng cách sẽ được đo theo đường thẳng.</translation>
    </message>
</context>
<context>
    <name>ScenariosDock</name>
    <message>
        <source>Scenarios</source>
        <translation>Kịch bản</translation>
    </message>
    <message>
        <source>New</source>
        <translation>Mới</translation>
    </message>
    <message>
        <source>Duplicate</source>
        <translation>Nhân bản</translation>
    </message>
    <message>
        <source>Rename</source>
        <translation>Đổi tên</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Xóa</translation>
    </message>
    <message>
        <source>Compare…</source>
        <translation>So sánh…</translation>
    </message>
    <message>
        <source> (existing facilities)</source>
        <translation> (hiện trạng)</translation>
    </message>
    <message>
        <source> — {count} new</source>
        <translation> — {count} mới</translation>
    </message>
    <message>
        <source>A scenario named &apos;{name}&apos; already exists.</source>
        <translation>Kịch bản tên &apos;{name}&apos; đã tồn tại.</translation>
    </message>
    <message>
        <source>New scenario</source>
        <translation>Kịch bản mới</translation>
    </message>
    <message>
        <source>Name of the new plan:</source>
        <translation>Tên phương án mới:</translation>
    </message>
    <message>
        <source>Plan</source>
        <translation>Phương án</translation>
    </message>
    <message>
        <source>Duplicate scenario</source>
        <translation>Nhân bản kịch bản</translation>
    </message>
    <message>
        <source>Name of the copy of &apos;{scenario}&apos;:</source>
        <translation>Tên bản sao của &apos;{scenario}&apos;:</translation>
    </message>
    <message>
        <source>{scenario} copy</source>
        <translation>{scenario} bản sao</translation>
    </message>
    <message>
        <source>Rename scenario</source>
        <translation>Đổi tên kịch bản</translation>
    </message>
    <message>
        <source>New name for &apos;{scenario}&apos;:</source>
        <translation>Tên mới cho &apos;{scenario}&apos;:</translation>
    </message>
</context>
<context>
    <name>StartPage</name>
    <message>
        <source>Start a plan</source>
        <translation>Bắt đầu quy hoạch</translation>
    </message>
    <message>
        <source>Open the sample city ({file}: central Hải Châu, Đà Nẵng)</source>
        <translation>Mở thành phố mẫu ({file}: trung tâm quận Hải Châu, Đà Nẵng)</translation>
    </message>
    <message>
        <source>Create a plan from my own layers</source>
        <translation>Tạo quy hoạch từ các lớp dữ liệu của tôi</translation>
    </message>
</context>
<context>
    <name>StyleDialog</name>
    <message>
        <source>Single colour</source>
        <translation>Một màu</translation>
    </message>
    <message>
        <source>Categorised</source>
        <translation>Theo nhóm giá trị</translation>
    </message>
    <message>
        <source>Graduated</source>
        <translation>Phân cấp</translation>
    </message>
    <message>
        <source>Quantiles</source>
        <translation>Phân vị</translation>
    </message>
    <message>
        <source>Natural breaks (Jenks)</source>
        <translation>Ngắt tự nhiên (Jenks)</translation>
    </message>
    <message>
        <source>Equal interval</source>
        <translation>Khoảng đều</translation>
    </message>
    <message>
        <source>Style of {layer}</source>
        <translation>Kiểu hiển thị của {layer}</translation>
    </message>
    <message>
        <source>Fill polygons</source>
        <translation>Tô màu vùng</translation>
    </message>
    <message>
        <source>Style</source>
        <translation>Kiểu</translation>
    </message>
    <message>
        <source>Colour</source>
        <translation>Màu</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>Trường</translation>
    </message>
    <message>
        <source>Palette</source>
        <translation>Bảng màu</translation>
    </message>
    <message>
        <source>Classes by</source>
        <translation>Phân lớp theo</translation>
    </message>
    <message>
        <source>Number of classes</source>
        <translation>Số lớp</translation>
    </message>
    <message>
        <source>Line width (px)</source>
        <translation>Độ rộng nét (px)</translation>
    </message>
    <message>
        <source>Layer colour</source>
        <translation>Màu lớp</translation>
    </message>
</context>
<context>
    <name>Workshop</name>
    <message>
        <source>MET</source>
        <translation>ĐẠT</translation>
    </message>
    <message>
        <source>NEAR</source>
        <translation>GẦN ĐẠT</translation>
    </message>
    <message>
        <source>NOT MET</source>
        <translation>CHƯA ĐẠT</translation>
    </message>
    <message>
        <source>N/A</source>
        <translation>KHÔNG ÁP DỤNG</translation>
    </message>
    <message>
        <source>BEFORE: {scenario}</source>
        <translation>TRƯỚC: {scenario}</translation>
    </message>
</context>
<context>
    <name>ZonesPage</name>
    <message>
        <source>Zones and population</source>
        <translation>Khu vực và dân số</translation>
    </message>
    <message>
        <source>The zone layer holds the areas (or points) where people live and how many.</source>
        <translation>Lớp khu vực chứa các vùng (hoặc điểm) dân cư và số dân của từng nơi.</translation>
    </message>
    <message>
        <source>Optional: a GeoTIFF of people per pixel (WorldPop…)</source>
        <translation>Tùy chọn: GeoTIFF số người trên mỗi điểm ảnh (WorldPop…)</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Duyệt…</translation>
    </message>
    <message>
        <source>Size of the population surface&apos;s grid cells</source>
        <translation>Kích thước ô lưới của bề mặt dân số</translation>
    </message>
    <message>
        <source>Zone layer</source>
        <translation>Lớp khu vực</translation>
    </message>
    <message>
        <source>Population field</source>
        <translation>Trường dân số</translation>
    </message>
    <message>
        <source>Population raster</source>
        <translation>Raster dân số</translation>
    </message>
    <message>
        <source>Cell size</source>
        <translation>Kích thước ô</translation>
    </message>
    <message>
        <source>Plan name</source>
        <translation>Tên quy hoạch</translation>
    </message>
    <message>
        <source>Reading {layer}…</source>
        <translation>Đang đọc {layer}…</translation>
    </message>
    <message>
        <source>(none: the raster&apos;s counts as they are)</source>
        <translation>(không có: dùng nguyên số liệu của raster)</translation>
    </message>
    <message>
        <source>Tick a layer of polygons or points on the previous page.</source>
        <translation>Hãy đánh dấu một lớp vùng hoặc điểm ở trang trước.</translation>
    </message>
    <message>
        <source>The population raster {file} does not exist.</source>
        <translation>Raster dân số {file} không tồn tại.</translation>
    </message>
    <message>
        <source>People come from the raster {file}: its counts within the zones.</source>
        <translation>Dân số lấy từ raster {file}: số người nằm trong các khu vực.</translation>
    </message>
    <message>
        <source>{layer} has no numeric field to count people with; give a population raster.</source>
        <translation>{layer} không có trường số để đếm dân; hãy cung cấp raster dân số.</translation>
    </message>
    <message>
        <source>Population: {people} people in {zones} zones ({field}).</source>
        <translation>Dân số: {people} người trong {zones} khu vực ({field}).</translation>
    </message>
    <message>
        <source>The raster places them within each zone.</source>
        <translation>Raster phân bố họ trong từng khu vực.</translation>
    </message>
</context>
</TS>
